provider "aws" {
  region = var.region

  default_tags {
    tags = { Project = "ci360-s3-example", ManagedBy = "terraform" }
  }
}

# Every option the connector offers, set to something other than its default.
module "ci360_connector" {
  source = "../../terraform/modules/connector"

  name            = "ci360-s3-example"
  stage_name      = "example"
  lambda_zip_path = "${path.root}/../../dist/s3_bulk_upload.zip" # make package ARCH=arm64

  s3_key_prefix             = "ci360/"
  expire_exports_after_days = 30
  lambda_memory_mb          = 3538 # two vCPUs: .gz exports compress on both
  lambda_ephemeral_storage  = 1024
  reserved_concurrency      = 10
  source_host_allowlist     = ["amazonaws.com"]
  include_header            = true
  overwrite                 = false
  delivery_mode             = "auto"
  async_threshold_bytes     = 268435456
  gzip_level                = 4
  source_connections        = 8
  delivery_event_bus_name   = aws_cloudwatch_event_bus.exports.name
  metrics_namespace         = "CI360Example"
  api_quota_per_day         = 1000
  alarm_sns_topic_arns      = [aws_sns_topic.alarms.arn]
}

# Downstream jobs learn of every delivered export from this bus.
resource "aws_cloudwatch_event_bus" "exports" {
  name = "ci360-s3-example-exports"
}

resource "aws_sns_topic" "alarms" {
  name              = "ci360-s3-example-alarms"
  kms_master_key_id = "alias/aws/sns"
}
