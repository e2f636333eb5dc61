# Created here, before the function, so retention applies from the first invocation.
resource "aws_cloudwatch_log_group" "this" {
  name              = var.log_group_name
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "this" {
  function_name    = var.function_name
  description      = "CI360 bulk export → S3 connector"
  role             = var.role_arn
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds

  reserved_concurrent_executions = var.reserved_concurrency
  code_signing_config_arn        = var.code_signing_config_arn

  ephemeral_storage {
    size = var.ephemeral_storage_mb
  }

  environment {
    # glibc: one malloc arena, not one per thread, so freed part buffers are reused (docs/performance.md)
    variables = merge(var.environment, { MALLOC_ARENA_MAX = "1" })
  }

  tracing_config {
    mode = "Active"
  }

  # In a VPC the function reaches CI360's staging URLs and S3 only through a NAT or egress path.
  dynamic "vpc_config" {
    for_each = length(var.vpc_subnet_ids) > 0 ? [1] : []

    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  depends_on = [aws_cloudwatch_log_group.this]
}

# Failed asynchronous transfers land here with the error, after Lambda's retries.
# The message holds the hand-off (pre-signed URLs included): encrypted, kept 14 days.
resource "aws_sqs_queue" "failures" {
  name                      = "${var.function_name}-failed-transfers"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.async_max_retry_attempts
  maximum_event_age_in_seconds = var.async_max_event_age_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failures.arn
    }
  }
}

locals {
  alarms = {
    errors = {
      description = "The CI360 connector failed (an unexpected error or a failed asynchronous transfer). See its logs."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.this.function_name }
      statistic   = "Sum"
    }
    failed-transfers = {
      description = "An asynchronous CI360 transfer failed after its retries; its event waits in the failure queue."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.failures.name }
      statistic   = "Maximum"
    }
  }
}

# Both alarm on any occurrence in five minutes: every failure here is a lost or late export.
resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.function_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_sns_topic_arns
  ok_actions          = var.alarm_sns_topic_arns
}
