output "ci360_webhook_url" {
  description = "Webhook endpoint URL for the CI360 bulk connector (POST)."
  value       = module.connector.ci360_webhook_url
}

output "ci360_api_key" {
  description = "Value CI360 sends in the x-api-key header."
  value       = module.connector.ci360_api_key
  sensitive   = true
}

output "ci360_api_key_header" {
  description = "Header name CI360 must send the API key in."
  value       = module.connector.ci360_api_key_header
}

output "bucket_name" {
  description = "Bucket the exports are delivered to."
  value       = module.connector.bucket_name
}

output "s3_key_prefix" {
  description = "Prefix every delivered key starts with."
  value       = module.connector.s3_key_prefix
}

output "glue_database_name" {
  description = "Glue Data Catalog database the export tables are written to; null when off."
  value       = module.connector.glue_database_name
}

output "function_name" {
  description = "Name of the connector function."
  value       = module.connector.function_name
}

output "log_group_name" {
  description = "CloudWatch log group of the connector function."
  value       = module.connector.log_group_name
}

output "api_access_log_group_name" {
  description = "CloudWatch log group of the webhook's access logs."
  value       = module.connector.api_access_log_group_name
}

output "failure_queue_url" {
  description = "SQS queue holding asynchronous transfers that failed after their retries."
  value       = module.connector.failure_queue_url
}

output "dashboard_url" {
  description = "CloudWatch dashboard of this workspace: deliveries, bytes, rows, duration, failures, the webhook."
  value       = module.connector.dashboard_url
}

output "ci360_setup" {
  description = "Step-by-step CI360 configuration with this workspace's values."
  value       = module.connector.ci360_setup
}

output "state_machine_arn" {
  description = "ARN of the distributed delivery's state machine (delivery_mode distributed, or auto above distributed_threshold_bytes)."
  value       = module.connector.state_machine_arn
}

output "state_machine_console_url" {
  description = "The distributed delivery's executions in the Step Functions console."
  value       = module.connector.state_machine_console_url
}
