terraform {
  # Keep in step with .terraform-version at the repository root.
  required_version = ">= 1.15.5, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: `make bootstrap` passes ../backend.hcl with a key of its own, so this
  # state is separate from every workspace's.
  backend "s3" {}
}
