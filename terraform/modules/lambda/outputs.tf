output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "ARN API Gateway invokes the function with."
  value       = aws_lambda_function.this.invoke_arn
}

output "log_group_name" {
  description = "Log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "failure_queue_arn" {
  description = "SQS queue holding failed asynchronous transfers."
  value       = aws_sqs_queue.failures.arn
}

output "failure_queue_url" {
  description = "URL of the failure queue."
  value       = aws_sqs_queue.failures.url
}

output "failure_queue_name" {
  description = "Name of the queue of failed asynchronous transfers."
  value       = aws_sqs_queue.failures.name
}
