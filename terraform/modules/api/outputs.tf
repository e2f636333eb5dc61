output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "stage_name" {
  description = "Stage the webhook is served from."
  value       = aws_api_gateway_stage.this.stage_name
}

output "webhook_url" {
  description = "Full URL CI360 POSTs the bulk request to."
  value       = "${aws_api_gateway_stage.this.invoke_url}/${var.resource_path}"
}

output "api_key_value" {
  description = "The API key CI360 sends as x-api-key."
  value       = aws_api_gateway_api_key.ci360.value
  sensitive   = true
}

output "api_key_id" {
  description = "ID of the API key (shown in access logs as apiKeyId)."
  value       = aws_api_gateway_api_key.ci360.id
}

output "access_log_group_name" {
  description = "Log group of the stage's access logs."
  value       = aws_cloudwatch_log_group.access.name
}
