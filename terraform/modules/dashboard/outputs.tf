output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_url" {
  description = "Console URL of the dashboard."
  value       = "https://console.aws.amazon.com/cloudwatch/home?region=${var.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.this.dashboard_name}"
}

output "api_5xx_alarm_name" {
  description = "Name of the alarm on the webhook's 5XX answers."
  value       = aws_cloudwatch_metric_alarm.api_5xx.alarm_name
}
