# ---------------------------------------------------------------------------------------------
# What CI360's screens need (`make ci360-config WORKSPACE=…` prints them, key included)
# ---------------------------------------------------------------------------------------------

output "ci360_webhook_url" {
  description = "Webhook endpoint URL for the CI360 bulk connector (POST)."
  value       = module.api.webhook_url
}

output "ci360_api_key" {
  description = "Value CI360 sends in the x-api-key header."
  value       = module.api.api_key_value
  sensitive   = true
}

output "ci360_api_key_header" {
  description = "Header name CI360 must send the API key in."
  value       = "x-api-key"
}

output "bucket_name" {
  description = "Bucket the exports are delivered to."
  value       = module.bucket.bucket_name
}

output "s3_key_prefix" {
  description = "Prefix every delivered key starts with."
  value       = var.s3_key_prefix
}

output "glue_database_name" {
  description = "Glue Data Catalog database the export tables are written to; null when off."
  value       = local.glue_database == "" ? null : local.glue_database
}

output "function_name" {
  description = "Name of the connector function."
  value       = module.lambda.function_name
}

output "log_group_name" {
  description = "CloudWatch log group of the connector function."
  value       = module.lambda.log_group_name
}

output "api_access_log_group_name" {
  description = "CloudWatch log group of the webhook's access logs."
  value       = module.api.access_log_group_name
}

output "failure_queue_url" {
  description = "SQS queue holding asynchronous transfers that failed after their retries."
  value       = module.lambda.failure_queue_url
}

output "dashboard_url" {
  description = "CloudWatch dashboard of this deployment: deliveries, bytes, rows, duration, failures, the webhook."
  value       = module.dashboard.dashboard_url
}

output "ci360_setup" {
  description = "Step-by-step CI360 configuration with this deployment's values."
  value       = <<-EOT
    CI360 → S3 bulk connector (${var.stage_name})
    =============================================

    1. General Settings → External Access → Connectors → New connector
         Name:           S3 bulk export (${var.stage_name})
         Type:           Bulk
    2. On that connector → Add endpoint (webhook)
         Method:         POST
         URL:            ${module.api.webhook_url}
         Authorization:  none; add the request header
                           x-api-key: <the API key: make ci360-config WORKSPACE=${var.stage_name}>
         Content type:   application/json
    3. General Settings → Custom Task Types → New (bulk), using the connector and endpoint above
         Outbound data:  the audience/export columns to send
         Send parameter: s3_filename (text, required), for example exports/churn_{date}.csv
           placeholders: {date} (UTC YYYY-MM-DD)  {datetime} (UTC YYYYMMDDTHHMMSSZ)
                         {taskId}  {occurrenceId}  {taskName} (reduced to A-Z a-z 0-9 . _ -)
           a name ending in .gz is delivered gzip-compressed
         Send parameter: include_header (optional, true/false; default ${var.include_header})
    4. Exports land in s3://${module.bucket.bucket_name}/${var.s3_key_prefix}<s3_filename>
       Logs: ${module.lambda.log_group_name}
  EOT
}

output "state_machine_arn" {
  description = "ARN of the distributed delivery's state machine (delivery_mode distributed, or auto above distributed_threshold_bytes)."
  value       = module.distributed.state_machine_arn
}

output "state_machine_console_url" {
  description = "The distributed delivery's executions in the Step Functions console."
  value       = module.distributed.console_url
}
