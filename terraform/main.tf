provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}

locals {
  # dev and prod live side by side in one account: every name carries the workspace.
  tags = merge(var.tags, {
    Project     = var.name_prefix
    Environment = terraform.workspace
    ManagedBy   = "terraform"
  })
}

# The workspace deployment behind `make plan|apply WORKSPACE=…`: the connector module, named after
# the workspace. Inputs are validated by the module.
module "connector" {
  source = "./modules/connector"

  name            = "${var.name_prefix}-${terraform.workspace}"
  stage_name      = terraform.workspace
  lambda_zip_path = "${path.root}/${var.lambda_zip_path}"

  create_bucket                    = var.create_bucket
  sse_algorithm                    = var.sse_algorithm
  sse_kms_key_arn                  = var.sse_kms_key_arn
  existing_bucket_name             = var.existing_bucket_name
  bucket_name                      = var.bucket_name
  s3_key_prefix                    = var.s3_key_prefix
  kms_key_arn                      = var.kms_key_arn
  expire_exports_after_days        = var.expire_exports_after_days
  lambda_runtime                   = var.lambda_runtime
  lambda_architecture              = var.lambda_architecture
  lambda_memory_mb                 = var.lambda_memory_mb
  lambda_timeout_seconds           = var.lambda_timeout_seconds
  lambda_ephemeral_storage         = var.lambda_ephemeral_storage
  reserved_concurrency             = var.reserved_concurrency
  log_retention_days               = var.log_retention_days
  async_max_retry_attempts         = var.async_max_retry_attempts
  async_max_event_age_seconds      = var.async_max_event_age_seconds
  alarm_sns_topic_arns             = var.alarm_sns_topic_arns
  source_host_allowlist            = var.source_host_allowlist
  include_header                   = var.include_header
  overwrite                        = var.overwrite
  delivery_mode                    = var.delivery_mode
  async_threshold_bytes            = var.async_threshold_bytes
  distributed_threshold_bytes      = var.distributed_threshold_bytes
  max_parallel_parts               = var.max_parallel_parts
  distributed_part_size_mib        = var.distributed_part_size_mib
  gzip_level                       = var.gzip_level
  return_presigned_url             = var.return_presigned_url
  log_level                        = var.log_level
  delivery_event_bus_name          = var.delivery_event_bus_name
  glue_database_name               = var.glue_database_name
  create_glue_database             = var.create_glue_database
  lakeformation_grants             = var.lakeformation_grants
  metrics_namespace                = var.metrics_namespace
  part_size_mib                    = var.part_size_mib
  max_concurrency                  = var.max_concurrency
  source_connections               = var.source_connections
  source_max_retries               = var.source_max_retries
  source_backoff_seconds           = var.source_backoff_seconds
  api_throttle_rate_limit          = var.api_throttle_rate_limit
  api_throttle_burst_limit         = var.api_throttle_burst_limit
  api_quota_per_day                = var.api_quota_per_day
  api_execution_logging_level      = var.api_execution_logging_level
  attach_waf_web_acl               = var.attach_waf_web_acl
  waf_web_acl_arn                  = var.waf_web_acl_arn
  allowed_source_cidrs             = var.allowed_source_cidrs
  bucket_eventbridge_notifications = var.bucket_eventbridge_notifications
  code_signing_config_arn          = var.code_signing_config_arn
  run_in_vpc                       = var.run_in_vpc
  vpc_subnet_ids                   = var.vpc_subnet_ids
  vpc_security_group_ids           = var.vpc_security_group_ids
}
