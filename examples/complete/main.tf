provider "aws" {
  region = var.region

  default_tags {
    tags = { Project = "ci360-s3-example", ManagedBy = "terraform" }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# Most options the connector offers, set to something other than their defaults (the exceptions:
# existing_bucket_name, see examples/existing-bucket; code_signing_config_arn, not supported yet;
# reserved_concurrency, which needs room in the account's concurrency quota; VPC and source CIDRs,
# which need your network's values).
module "ci360_connector" {
  source = "../../terraform/modules/connector"

  name            = "ci360-s3-example"
  stage_name      = "example"
  lambda_zip_path = "${path.root}/../../dist/s3_bulk_upload.zip" # make package ARCH=arm64

  s3_key_prefix             = "ci360/"
  expire_exports_after_days = 30
  lambda_memory_mb          = 3538 # two vCPUs: .gz exports compress on both
  lambda_ephemeral_storage  = 1024
  source_host_allowlist     = ["amazonaws.com"]
  include_header            = true
  overwrite                 = false
  delivery_mode             = "auto"
  async_threshold_bytes     = 268435456
  gzip_level                = 2
  source_connections        = 8
  delivery_event_bus_name   = aws_cloudwatch_event_bus.exports.name
  glue_database_name        = "ci360_s3_example" # one Athena-ready table per export folder
  create_glue_database      = true
  metrics_namespace         = "CI360Example"
  api_quota_per_day         = 1000
  alarm_sns_topic_arns      = [aws_sns_topic.alarms.arn]
  sse_algorithm             = "aws:kms"
  sse_kms_key_arn           = aws_kms_key.exports.arn

  # Created in this same apply: presence is the boolean, so the unknown ARN is fine at plan.
  attach_waf_web_acl = true
  waf_web_acl_arn    = aws_wafv2_web_acl.webhook.arn
}

# Uploads are encrypted with this key (the function sends it on every upload).
resource "aws_kms_key" "exports" {
  description         = "ci360-s3-example exports"
  enable_key_rotation = true
}

# Downstream jobs learn of every delivered export from this bus.
resource "aws_cloudwatch_event_bus" "exports" {
  name = "ci360-s3-example-exports"
}

# CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key (alias/aws/sns):
# its key policy cannot grant cloudwatch.amazonaws.com. A customer-managed key whose policy does.
resource "aws_sns_topic" "alarms" {
  name              = "ci360-s3-example-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn
}

resource "aws_kms_key" "alarms" {
  description         = "ci360-s3-example alarm topic"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.alarms_key.json
}

data "aws_iam_policy_document" "alarms_key" {
  statement {
    sid       = "AccountAdministersTheKey"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToTheTopic"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    # Only for this account's alarms in this Region (no confused deputy: another account's alarm
    # cannot have CloudWatch use this key).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:cloudwatch:${var.region}:${data.aws_caller_identity.current.account_id}:alarm:*"]
    }
  }
}

# A regional web ACL in front of the webhook: AWS's common rule set, and a rate limit per source.
resource "aws_wafv2_web_acl" "webhook" {
  name  = "ci360-s3-example-webhook"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  # The rules in WAF's own JSON (rule_json): the provider's nested statement blocks are
  # equivalent; the JSON is what the WAF console and API show.
  rule_json = jsonencode([
    {
      Name           = "common-rules"
      Priority       = 1
      OverrideAction = { None = {} }
      Statement      = { ManagedRuleGroupStatement = { Name = "AWSManagedRulesCommonRuleSet", VendorName = "AWS" } }
      VisibilityConfig = {
        CloudWatchMetricsEnabled = true
        MetricName               = "common-rules"
        SampledRequestsEnabled   = false
      }
    },
    {
      Name      = "rate-limit"
      Priority  = 2
      Action    = { Block = {} }
      Statement = { RateBasedStatement = { Limit = 300, AggregateKeyType = "IP" } }
      VisibilityConfig = {
        CloudWatchMetricsEnabled = true
        MetricName               = "rate-limit"
        SampledRequestsEnabled   = false
      }
    },
  ])

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "ci360-s3-example-webhook"
    sampled_requests_enabled   = false
  }
}
