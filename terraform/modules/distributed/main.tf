# The distributed delivery path (contract §2.15): one Standard state machine whose definition is
# state_machine.asl.json (the tests execute the same file). Every step is a task of the connector's
# function; no state carries a pre-signed URL or the part list (they stay in S3 under the prefix).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  account    = data.aws_caller_identity.current.account_id
  arn        = "arn:${local.partition}:states:${local.region}:${local.account}:stateMachine:${var.name}"
  executions = "arn:${local.partition}:states:${local.region}:${local.account}:execution:${var.name}"
  # Each execution's folder is <working_prefix><execution name>/ (the function's StateObjects).
  working_prefix = "${var.key_prefix}.ci360-connector/executions/"
  working_files  = "${var.bucket_arn}/${local.working_prefix}*"
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:ERROR level logs every failed state; ALL would log each of up to 10,000 parts' events per export (the history keeps them anyway)
  name       = var.name
  role_arn   = aws_iam_role.state_machine.arn
  type       = "STANDARD"
  definition = templatefile("${path.module}/state_machine.asl.json", { function_arn = var.function_arn })

  # Errors only, without execution data: the payloads hold no URL, but they are not needed to see what failed.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = false
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.state_machine]
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  name               = "${var.name}-sfn"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "state_machine" {
  #checkov:skip=CKV_AWS_111:log delivery and X-Ray actions support no resource-level permissions (LogsAndTraces)
  #checkov:skip=CKV_AWS_356:log delivery and X-Ray actions support no resource-level permissions (LogsAndTraces)
  statement {
    sid       = "RunTheSteps"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.function_arn, "${var.function_arn}:*"]
  }

  statement {
    sid       = "ReadThePartManifest"
    actions   = ["s3:GetObject"]
    resources = [local.working_files]
  }

  # Distributed Map runs its children as executions of this state machine (map runs).
  statement {
    sid       = "RunTheMapsChildren"
    actions   = ["states:StartExecution"]
    resources = [local.arn]
  }

  statement {
    sid       = "WatchTheMapsChildren"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["${local.executions}:*", "${local.executions}/*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "DecryptTheManifest"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  # CloudWatch Logs vended delivery and X-Ray take no resource-level permissions.
  statement {
    sid = "LogsAndTraces"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
      "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "distributed-delivery"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}

# What the function does for the distributed path beyond the iam module's grants (which already
# cover writing and reading under the prefix): start one execution per occurrence and look an
# existing one up (racing re-sends), remove working files, list an upload's parts.
data "aws_iam_policy_document" "function" {
  statement {
    sid       = "StartTheDistributedDelivery"
    actions   = ["states:StartExecution"]
    resources = [local.arn]
  }

  statement {
    sid       = "FindTheOccurrencesExecution"
    actions   = ["states:DescribeExecution"]
    resources = ["${local.executions}:*"]
  }

  # The steps remove an execution's working files when it ends, every version of them (its request
  # holds the URLs; a versioned bucket would otherwise keep it as a noncurrent version).
  statement {
    sid       = "RemoveWorkingFiles"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = [local.working_files]
  }

  statement {
    sid       = "ListWorkingFileVersions"
    actions   = ["s3:ListBucketVersions"]
    resources = [var.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.working_prefix}*"]
    }
  }

  # Complete checks every part is there (ListParts) before it completes the upload.
  statement {
    sid       = "ListTheUploadsParts"
    actions   = ["s3:ListMultipartUploadParts"]
    resources = ["${var.bucket_arn}/${var.key_prefix}*"]
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "start-distributed-delivery"
  role   = var.function_role_name
  policy = data.aws_iam_policy_document.function.json
}

resource "aws_cloudwatch_metric_alarm" "failed" {
  alarm_name          = "${var.name}-failed-executions"
  alarm_description   = "A distributed CI360 delivery failed: its upload was aborted. See the execution and the function's logs."
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = aws_sfn_state_machine.this.arn }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_sns_topic_arns
  ok_actions          = var.alarm_sns_topic_arns
}

# An execution that ends without running its Abort state (stopped by hand, or timed out) would leave
# its multipart upload open and its working files behind, the request with its pre-signed URLs
# among them. Step Functions' own status-change event (default bus) sends it to the function's
# abort step, which aborts the upload, removes the folder and logs the failure. FAILED executions
# are left out: their Abort state has run (counting the failure once).
resource "aws_cloudwatch_event_rule" "ended_unfinished" {
  name        = "${var.name}-unfinished" # 63 characters at most: the connector's 40-character name + "-distributed"
  description = "A distributed CI360 delivery was stopped or timed out: its upload is aborted and its working files removed."
  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      stateMachineArn = [local.arn]
      status          = ["ABORTED", "TIMED_OUT"]
    }
  })
}

# A literal template, not jsonencode: Terraform's jsonencode escapes < and >, which EventBridge
# needs as they are around its placeholders.
resource "aws_cloudwatch_event_target" "abort_step" {
  rule = aws_cloudwatch_event_rule.ended_unfinished.name
  arn  = var.function_arn

  input_transformer {
    input_paths = {
      name   = "$.detail.name"
      status = "$.detail.status"
    }
    input_template = "{\"ci360_distributed\": \"abort\", \"request_key\": \"${local.working_prefix}<name>/request.json\", \"error\": {\"Error\": \"ExecutionEnded\", \"Cause\": \"the execution ended <status> before its Abort state ran\"}}"
  }
}

resource "aws_lambda_permission" "abort_step" {
  statement_id  = "AllowAbortStepFromEventBridge"
  action        = "lambda:InvokeFunction"
  function_name = var.function_arn
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.ended_unfinished.arn
}
