# One-time, account-wide set-up for API Gateway in one Region: the CloudWatch role every REST API
# stage in the Region logs through. It is one setting per account and Region, so no connector
# workspace owns it: destroying a workspace must not stop execution logging for every other API.
# Run once per account and Region with `make bootstrap REGION=…` (its own state), before the
# first `make apply`.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, { ManagedBy = "terraform", Purpose = "api-gateway-account-logging" })
  }
}

data "aws_partition" "current" {}

data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

# IAM is global, but each Region has its own bootstrap state: the Region is in the role's name, so
# the bootstrap of a second Region creates a role of its own instead of failing on the first one's.
resource "aws_iam_role" "apigateway_logs" {
  name               = coalesce(var.role_name, "apigateway-cloudwatch-logs-${var.aws_region}")
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json

  # A bootstrap applied before the name carried the Region renames its role: the new role is set
  # on the account before the old one goes, so execution logging never loses its role.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_role_policy_attachment" "apigateway_logs" {
  role       = aws_iam_role.apigateway_logs.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

# Destroying this resets the Region's API Gateway CloudWatch role (provider v6): kept from a
# casual destroy, as the setting serves every REST API in the Region.
resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.apigateway_logs.arn

  depends_on = [aws_iam_role_policy_attachment.apigateway_logs]

  lifecycle {
    prevent_destroy = true
  }
}
