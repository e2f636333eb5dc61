# The whole connector: bucket (created or existing), least-privilege role, function, webhook and
# dashboard. Provider-free: the caller configures the AWS provider (and its default tags).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name   = var.name
  region = data.aws_region.current.region

  function_name  = local.name
  log_group_name = "/aws/lambda/${local.name}"
  function_arn   = "arn:${data.aws_partition.current.partition}:lambda:${local.region}:${data.aws_caller_identity.current.account_id}:function:${local.function_name}"
  log_group_arn  = "arn:${data.aws_partition.current.partition}:logs:${local.region}:${data.aws_caller_identity.current.account_id}:log-group:${local.log_group_name}"

  # The distributed path's state machine: its ARN is known before it exists, so the function's
  # environment names it while the state machine's definition names the function (no cycle).
  state_machine_name = "${local.name}-distributed"
  state_machine_arn  = "arn:${data.aws_partition.current.partition}:states:${local.region}:${data.aws_caller_identity.current.account_id}:stateMachine:${local.state_machine_name}"

  # The delivery event's bus, as the function is told it and as IAM needs it (an ARN).
  delivery_event_bus = var.delivery_event_bus_name == null ? "" : var.delivery_event_bus_name
  delivery_event_bus_arn = (
    var.delivery_event_bus_name == null ? null :
    startswith(var.delivery_event_bus_name, "arn:") ? var.delivery_event_bus_name :
    "arn:${data.aws_partition.current.partition}:events:${local.region}:${data.aws_caller_identity.current.account_id}:event-bus/${var.delivery_event_bus_name}"
  )

  # The catalog database each export's table is written to (created here or existing), and the
  # ARNs IAM needs for it: Glue authorises table actions on the catalog, the database and the table.
  # A database created without a name is named after the deployment, so two workspaces (each its
  # own name) never share one, nor delete the other's when one is destroyed.
  glue_database_name = (
    var.glue_database_name != null ? var.glue_database_name :
    var.create_glue_database ? "${replace(local.name, "-", "_")}_exports" : null
  )
  glue_database = var.create_glue_database ? aws_glue_catalog_database.this[0].name : (local.glue_database_name == null ? "" : local.glue_database_name)
  glue_arn      = "arn:${data.aws_partition.current.partition}:glue:${local.region}:${data.aws_caller_identity.current.account_id}"
  glue_resource_arns = local.glue_database_name == null ? [] : [
    "${local.glue_arn}:catalog",
    "${local.glue_arn}:database/${local.glue_database_name}",
    "${local.glue_arn}:table/${local.glue_database_name}/*",
  ]
}

# Only with create_glue_database: otherwise the database is the account's and stays untouched.
resource "aws_glue_catalog_database" "this" {
  count = var.create_glue_database ? 1 : 0

  name        = local.glue_database_name
  description = "CI360 exports delivered by ${local.name}: one table per export folder."
}

# Where Lake Formation governs the Data Catalog, IAM alone does not let the role create or update
# tables: Lake Formation permissions for exactly what the function does (lakeformation_grants).
resource "aws_lakeformation_permissions" "database" {
  count = var.lakeformation_grants ? 1 : 0

  principal   = module.iam.role_arn
  permissions = ["CREATE_TABLE"]

  database {
    name = local.glue_database
  }
}

resource "aws_lakeformation_permissions" "tables" {
  count = var.lakeformation_grants ? 1 : 0

  principal   = module.iam.role_arn
  permissions = ["ALTER", "DESCRIBE"]

  table {
    database_name = local.glue_database
    wildcard      = true
  }
}

module "bucket" {
  source = "../bucket"

  create                    = var.create_bucket
  bucket_name               = coalesce(var.existing_bucket_name, var.bucket_name, "${local.name}-exports-${data.aws_caller_identity.current.account_id}")
  key_prefix                = var.s3_key_prefix
  kms_key_arn               = var.kms_key_arn
  expire_exports_after_days = var.expire_exports_after_days
  eventbridge_notifications = var.bucket_eventbridge_notifications
}

module "iam" {
  source = "../iam"

  name       = local.name
  bucket_arn = module.bucket.bucket_arn
  key_prefix = var.s3_key_prefix
  # The key uploads are encrypted with: the one the function names, else the bucket's default.
  kms_key_arn       = var.sse_kms_key_arn == "" ? var.kms_key_arn : var.sse_kms_key_arn
  function_arn      = local.function_arn
  log_group_arn     = local.log_group_arn
  failure_queue_arn = module.lambda.failure_queue_arn

  delivery_event_bus_arn = local.delivery_event_bus_arn
  glue_resource_arns     = local.glue_resource_arns
  in_vpc                 = var.run_in_vpc
}

module "lambda" {
  source = "../lambda"

  function_name               = local.function_name
  log_group_name              = local.log_group_name
  role_arn                    = module.iam.role_arn
  zip_path                    = var.lambda_zip_path
  runtime                     = var.lambda_runtime
  architecture                = var.lambda_architecture
  memory_mb                   = var.lambda_memory_mb
  timeout_seconds             = var.lambda_timeout_seconds
  ephemeral_storage_mb        = var.lambda_ephemeral_storage
  reserved_concurrency        = var.reserved_concurrency
  log_retention_days          = var.log_retention_days
  async_max_retry_attempts    = var.async_max_retry_attempts
  async_max_event_age_seconds = var.async_max_event_age_seconds
  alarm_sns_topic_arns        = var.alarm_sns_topic_arns
  code_signing_config_arn     = var.code_signing_config_arn
  in_vpc                      = var.run_in_vpc
  vpc_subnet_ids              = var.vpc_subnet_ids
  vpc_security_group_ids      = var.vpc_security_group_ids

  environment = {
    s3_bucket_name         = module.bucket.bucket_name
    s3_key_prefix          = var.s3_key_prefix
    source_host_allowlist  = join(",", var.source_host_allowlist)
    include_header         = tostring(var.include_header)
    overwrite              = tostring(var.overwrite)
    delivery_mode          = var.delivery_mode
    async_threshold_bytes  = tostring(var.async_threshold_bytes)
    gzip_level             = tostring(var.gzip_level)
    return_presigned_url   = tostring(var.return_presigned_url)
    log_level              = var.log_level
    part_size_mib          = tostring(var.part_size_mib)
    max_concurrency        = tostring(var.max_concurrency)
    source_connections     = tostring(var.source_connections)
    source_max_retries     = tostring(var.source_max_retries)
    source_backoff_seconds = tostring(var.source_backoff_seconds)
    delivery_event_bus     = local.delivery_event_bus
    glue_database          = local.glue_database
    sse_algorithm          = var.sse_algorithm
    sse_kms_key_arn        = var.sse_kms_key_arn
    # The distributed path (contract §2.15).
    state_machine_arn           = local.state_machine_arn
    distributed_threshold_bytes = tostring(var.distributed_threshold_bytes)
    max_parallel_parts          = tostring(var.max_parallel_parts)
    distributed_part_size_mib   = tostring(var.distributed_part_size_mib)
    # Powertools: metrics and log lines carry the deployment's service name, which the dashboard reads.
    POWERTOOLS_SERVICE_NAME      = local.name
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
  }
}

module "distributed" {
  source = "../distributed"

  name                 = local.state_machine_name
  function_arn         = local.function_arn
  function_role_name   = module.iam.role_name
  bucket_arn           = module.bucket.bucket_arn
  key_prefix           = var.s3_key_prefix
  kms_key_arn          = var.sse_kms_key_arn == "" ? var.kms_key_arn : var.sse_kms_key_arn
  log_retention_days   = var.log_retention_days
  alarm_sns_topic_arns = var.alarm_sns_topic_arns
}

module "api" {
  source = "../api"

  name                    = local.name
  stage_name              = var.stage_name
  function_name           = module.lambda.function_name
  function_invoke_arn     = module.lambda.invoke_arn
  throttle_rate_limit     = var.api_throttle_rate_limit
  throttle_burst_limit    = var.api_throttle_burst_limit
  quota_per_day           = var.api_quota_per_day
  execution_logging_level = var.api_execution_logging_level
  log_retention_days      = var.log_retention_days
  attach_waf_web_acl      = var.attach_waf_web_acl
  waf_web_acl_arn         = var.waf_web_acl_arn
  allowed_source_cidrs    = var.allowed_source_cidrs
}

module "dashboard" {
  source = "../dashboard"

  name                  = local.name
  region                = local.region
  metrics_namespace     = var.metrics_namespace
  service_name          = local.name
  function_name         = module.lambda.function_name
  function_timeout_s    = var.lambda_timeout_seconds
  api_name              = local.name
  stage_name            = module.api.stage_name
  failure_queue_name    = module.lambda.failure_queue_name
  state_machine_arn     = module.distributed.state_machine_arn
  api_5xx_alarm_actions = var.alarm_sns_topic_arns
}
