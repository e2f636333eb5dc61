data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "LambdaAssumesRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = "CI360 bulk export connector: writes exports under one prefix of one bucket."
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn
}

# Exactly what the code does, and nothing else.
data "aws_iam_policy_document" "function" {
  statement {
    sid = "WriteExportsUnderPrefix"
    actions = [
      "s3:PutObject",           # PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload
      "s3:AbortMultipartUpload" # no partial upload is left behind on failure
    ]
    resources = ["${var.bucket_arn}/${var.key_prefix}*"]
  }

  statement {
    sid       = "ReadExportsForRedeliveryCheck"
    actions   = ["s3:GetObject"] # HeadObject of a listed key (its occurrence id); the optional pre-signed GET URL
    resources = ["${var.bucket_arn}/${var.key_prefix}*"]
  }

  # The re-delivery check: ListObjectsV2(Prefix=<key>), which the s3:prefix condition authorises
  # (a HeadObject carries no prefix, so a missing key would answer it 403).
  statement {
    sid       = "ListOnlyThePrefix"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]

    dynamic "condition" {
      for_each = var.key_prefix == "" ? [] : [var.key_prefix]

      content {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${condition.value}*"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "EncryptWithTheBucketKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"] # Decrypt: multipart uploads to SSE-KMS
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.delivery_event_bus_arn == null ? [] : [var.delivery_event_bus_arn]

    content {
      sid       = "PublishDeliveryEvents"
      actions   = ["events:PutEvents"] # one event per finished delivery, on this bus only
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = length(var.glue_resource_arns) == 0 ? [] : [var.glue_resource_arns]

    content {
      sid       = "RegisterExportTables"
      actions   = ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable"] # one table per export folder
      resources = statement.value
    }
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${var.log_group_arn}:*"]
  }

  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions for these actions
  }

  statement {
    sid       = "AsynchronousHandOffToItself"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.function_arn, "${var.function_arn}:*"]
  }

  statement {
    sid       = "ReportFailedAsynchronousTransfers"
    actions   = ["sqs:SendMessage"]
    resources = [var.failure_queue_arn]
  }
}

resource "aws_iam_role_policy" "function" {
  name   = var.name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.function.json
}

data "aws_partition" "current" {}

# Lambda creates and deletes the function's network interfaces with the role: AWS's managed
# policy for exactly that (EC2 network-interface actions, which have no resource-level scope).
resource "aws_iam_role_policy_attachment" "vpc" {
  count = var.in_vpc ? 1 : 0

  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}
