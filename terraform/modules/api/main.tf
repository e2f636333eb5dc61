resource "aws_api_gateway_rest_api" "this" {
  name        = var.name
  description = "Webhook of the SAS CI360 bulk connector: delivers exports to S3."

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "upload" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = var.resource_path
}

# Rejects bodies that cannot be a CI360 bulk request before the function runs (and is billed).
resource "aws_api_gateway_model" "bulk_request" {
  rest_api_id  = aws_api_gateway_rest_api.this.id
  name         = "Ci360BulkRequest"
  description  = "A CI360 bulk task request: presignedUrls.dataFile and sendParameters.s3_filename."
  content_type = "application/json"

  # The one statement of the request contract: the local stand-in validates with the same file.
  schema = file("${path.module}/bulk_request.schema.json")
}

resource "aws_api_gateway_request_validator" "body" {
  rest_api_id                 = aws_api_gateway_rest_api.this.id
  name                        = "validate-body"
  validate_request_body       = true
  validate_request_parameters = false
}

resource "aws_api_gateway_method" "post" {
  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = aws_api_gateway_resource.upload.id
  http_method          = "POST"
  authorization        = "NONE" # the API key (x-api-key) and usage plan guard the method
  api_key_required     = true
  request_validator_id = aws_api_gateway_request_validator.body.id
  request_models       = { "application/json" = aws_api_gateway_model.bulk_request.name }
}

resource "aws_api_gateway_integration" "lambda" {
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_resource.upload.id
  http_method             = aws_api_gateway_method.post.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.function_invoke_arn
  timeout_milliseconds    = var.integration_timeout_ms
}

# Errors API Gateway answers itself keep the connector's JSON shape.
resource "aws_api_gateway_gateway_response" "bad_request_body" {
  rest_api_id   = aws_api_gateway_rest_api.this.id
  response_type = "BAD_REQUEST_BODY"
  status_code   = "400"

  response_templates = {
    "application/json" = "{\"status\": \"BadRequest\", \"request_id\": \"$context.requestId\", \"message\": \"$context.error.validationErrorString\"}"
  }
}

resource "aws_api_gateway_gateway_response" "forbidden" {
  rest_api_id   = aws_api_gateway_rest_api.this.id
  response_type = "INVALID_API_KEY"
  status_code   = "403"

  response_templates = {
    "application/json" = "{\"status\": \"Forbidden\", \"request_id\": \"$context.requestId\", \"message\": \"missing or invalid x-api-key\"}"
  }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  description = "CI360 connector webhook"

  # A new deployment whenever anything the stage serves changes: the ids (they change when a
  # resource is replaced) and the attributes this configuration sets. Not whole resources: their
  # computed attributes are unknown until the apply, so the hash would change after every apply
  # and the next plan would replace the deployment again.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.upload.id,
      aws_api_gateway_resource.upload.path,
      aws_api_gateway_method.post.id,
      aws_api_gateway_method.post.api_key_required,
      aws_api_gateway_method.post.request_models,
      aws_api_gateway_method.post.request_validator_id,
      aws_api_gateway_integration.lambda.id,
      aws_api_gateway_integration.lambda.uri,
      aws_api_gateway_integration.lambda.timeout_milliseconds,
      aws_api_gateway_model.bulk_request.id,
      # The model's schema reads back normalised (not as the file's text): the file is what changes.
      filesha1("${path.module}/bulk_request.schema.json"),
      aws_api_gateway_request_validator.body.id,
      aws_api_gateway_request_validator.body.validate_request_body,
      aws_api_gateway_gateway_response.bad_request_body.response_templates,
      aws_api_gateway_gateway_response.forbidden.response_templates,
      local.source_policy,
    ]))
  }

  # The resource policy is updated in place before a new deployment is made, so the deployment
  # serves the policy as it is now (an emptied allowed_source_cidrs included).
  depends_on = [aws_api_gateway_rest_api_policy.source_ips]

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.log_retention_days
}

resource "aws_api_gateway_stage" "this" {
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true

  # No request or response bodies: they carry pre-signed URLs.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      apiKeyId           = "$context.identity.apiKeyId"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationStatus  = "$context.integration.status"
      integrationLatency = "$context.integration.latency"
      errorMessage       = "$context.error.message"
    })
  }

  depends_on = [aws_cloudwatch_log_group.execution]
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = var.execution_logging_level
    data_trace_enabled     = false # full request logging would write the pre-signed URLs
    throttling_rate_limit  = var.throttle_rate_limit
    throttling_burst_limit = var.throttle_burst_limit
  }
}

resource "aws_api_gateway_api_key" "ci360" {
  name        = "${var.name}-ci360"
  description = "Key CI360 sends as x-api-key"
  enabled     = true
}

resource "aws_api_gateway_usage_plan" "this" {
  name        = var.name
  description = "Throttle (and optional quota) for the CI360 connector"

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.throttle_rate_limit
    burst_limit = var.throttle_burst_limit
  }

  dynamic "quota_settings" {
    for_each = var.quota_per_day > 0 ? [var.quota_per_day] : []

    content {
      limit  = quota_settings.value
      period = "DAY"
    }
  }
}

resource "aws_api_gateway_usage_plan_key" "ci360" {
  key_id        = aws_api_gateway_api_key.ci360.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this.id
}

# Only this API's POST /upload on this stage may invoke the function.
resource "aws_lambda_permission" "api" {
  statement_id  = "AllowInvokeFromCi360Webhook"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/${aws_api_gateway_stage.this.stage_name}/${aws_api_gateway_method.post.http_method}${aws_api_gateway_resource.upload.path}"
}

# Presence is decided by a boolean known at plan: the ACL's ARN may come from a resource created
# in the same apply (unknown until then), which a count cannot depend on.
resource "aws_wafv2_web_acl_association" "stage" {
  count        = var.attach_waf_web_acl ? 1 : 0
  resource_arn = aws_api_gateway_stage.this.arn
  web_acl_arn  = var.waf_web_acl_arn
}

# --- execution logs ---------------------------------------------------------------------------
# API Gateway writes execution logs to this group, creating it on first use without retention if it
# does not exist: created here, it is in state, expires with the module's log retention and is
# deleted with the stage. The account's CloudWatch role is a prerequisite (terraform/bootstrap, once per
# account and Region), not something a workspace owns.
resource "aws_cloudwatch_log_group" "execution" {
  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
  retention_in_days = var.log_retention_days
}

# The API's resource policy, always present so that a change of allowed_source_cidrs is an update
# in place that a new deployment follows: with the list set, calls from any other address are
# denied before the API key is even looked at (CI360 calls routed through a known egress, e.g. a
# General Access Point); with it empty, any source may call (the API key still applies).
locals {
  invoke_arn_pattern = "${aws_api_gateway_rest_api.this.execution_arn}/*"

  source_policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "InvokeTheWebhook"
        Effect    = "Allow"
        Principal = "*"
        Action    = "execute-api:Invoke"
        Resource  = local.invoke_arn_pattern
      }],
      length(var.allowed_source_cidrs) > 0 ? [{
        Sid       = "OnlyFromAllowedSources"
        Effect    = "Deny"
        Principal = "*"
        Action    = "execute-api:Invoke"
        Resource  = local.invoke_arn_pattern
        Condition = { NotIpAddress = { "aws:SourceIp" = var.allowed_source_cidrs } }
      }] : [],
    )
  })
}

resource "aws_api_gateway_rest_api_policy" "source_ips" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  policy      = local.source_policy
}

# Before allowed_source_cidrs changes were updates in place, the policy existed only with the list set.
moved {
  from = aws_api_gateway_rest_api_policy.source_ips[0]
  to   = aws_api_gateway_rest_api_policy.source_ips
}
