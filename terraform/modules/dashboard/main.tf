locals {
  api = ["ApiName", var.api_name, "Stage", var.stage_name]

  # Metrics the function writes (EMF, dimension service); the failures carry status_code too.
  connector = [for m in ["Deliveries", "Duplicates", "HandOffs", "DeliveryEventFailures", "CatalogFailures"] :
  [var.metrics_namespace, m, "service", var.service_name, { stat = "Sum" }]]
  failures = [for code in ["400", "409", "502", "500"] :
  [var.metrics_namespace, "Failures", "service", var.service_name, "status_code", code, { stat = "Sum", label = code }]]

  # The distributed path's state machine (AWS's own metrics).
  executions = [for m in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsAborted", "ExecutionsTimedOut"] :
  ["AWS/States", m, "StateMachineArn", var.state_machine_arn, { stat = "Sum" }]]

  widgets = [
    { title = "Deliveries, duplicates, hand-offs, event and catalog failures", metrics = local.connector },
    {
      title = "Bytes delivered and throughput"
      metrics = [
        [var.metrics_namespace, "BytesDelivered", "service", var.service_name, { stat = "Sum" }],
        [var.metrics_namespace, "Throughput", "service", var.service_name, { stat = "Average", yAxis = "right" }],
      ]
    },
    { title = "Rows delivered", metrics = [[var.metrics_namespace, "Rows", "service", var.service_name, { stat = "Sum" }]] },
    {
      title = "Duration vs the function timeout (s)"
      metrics = [
        [var.metrics_namespace, "TransferSeconds", "service", var.service_name, { stat = "Maximum" }],
        ["AWS/Lambda", "Duration", "FunctionName", var.function_name, { stat = "Maximum", id = "ms", visible = false }],
        [{ expression = "ms / 1000", label = "function duration (s)", id = "seconds" }],
      ]
      annotations = { horizontal = [{ label = "timeout", value = var.function_timeout_s }] }
    },
    { title = "Failures by status", metrics = local.failures },
    {
      title = "Webhook: 4XX, 5XX"
      metrics = [
        concat(["AWS/ApiGateway", "4XXError"], local.api, [{ stat = "Sum" }]),
        concat(["AWS/ApiGateway", "5XXError"], local.api, [{ stat = "Sum" }]),
      ]
    },
    {
      title   = "Webhook latency (ms)"
      metrics = [concat(["AWS/ApiGateway", "Latency"], local.api, [{ stat = "p99" }])]
    },
    {
      title   = "Failed asynchronous transfers waiting"
      metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.failure_queue_name, { stat = "Maximum" }]]
    },
    { title = "Distributed deliveries (Step Functions executions)", metrics = local.executions },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [for i, w in local.widgets : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = floor(i / 2) * 6
      width  = 12
      height = 6
      properties = merge({
        title   = w.title
        region  = var.region
        metrics = w.metrics
        view    = "timeSeries"
        stacked = false
        period  = 300
      }, try({ annotations = w.annotations }, {}))
    }]
  })
}

# CI360 sees a 5XX as a failed export: any in five minutes is worth a look.
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name}-webhook-5xx"
  alarm_description   = "The CI360 webhook answered 5XX: an export failed (destination, configuration or an unexpected error). See the function's logs."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  dimensions          = { ApiName = var.api_name, Stage = var.stage_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.api_5xx_alarm_actions
  ok_actions          = var.api_5xx_alarm_actions
}
