output "state_machine_arn" {
  description = "ARN of the distributed delivery's state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "console_url" {
  description = "The state machine in the Step Functions console (its executions, map runs and histories)."
  value       = "https://${local.region}.console.aws.amazon.com/states/home?region=${local.region}#/statemachines/view/${aws_sfn_state_machine.this.arn}"
}

output "failed_executions_alarm_name" {
  description = "Name of the alarm on failed executions."
  value       = aws_cloudwatch_metric_alarm.failed.alarm_name
}
