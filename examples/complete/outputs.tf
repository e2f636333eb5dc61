output "ci360_webhook_url" {
  description = "Webhook URL for the CI360 bulk connector."
  value       = module.ci360_connector.ci360_webhook_url
}

output "ci360_api_key" {
  description = "x-api-key value for CI360."
  value       = module.ci360_connector.ci360_api_key
  sensitive   = true
}

output "dashboard_url" {
  description = "CloudWatch dashboard of the example."
  value       = module.ci360_connector.dashboard_url
}
