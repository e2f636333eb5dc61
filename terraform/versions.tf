terraform {
  # Keep in step with .terraform-version at the repository root.
  required_version = ">= 1.15.5, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration, completed by backend.hcl (copy backend.hcl.example), which
  # `make plan|apply|destroy` passes to `terraform init -backend-config=backend.hcl`.
  backend "s3" {}
}
