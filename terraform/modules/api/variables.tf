variable "name" {
  description = "Name of the REST API, API key and usage plan."
  type        = string
}

variable "stage_name" {
  description = "Stage name (the workspace, e.g. dev or prod)."
  type        = string
}

variable "function_name" {
  description = "Name of the connector function."
  type        = string
}

variable "function_invoke_arn" {
  description = "Invoke ARN of the connector function."
  type        = string
}

variable "resource_path" {
  description = "Path part of the webhook resource."
  type        = string
  default     = "upload"
}

variable "integration_timeout_ms" {
  description = "How long API Gateway waits for the function (50-29000 ms); longer transfers should use async mode."
  type        = number
  default     = 29000
}

variable "throttle_rate_limit" {
  description = "Steady-state requests per second (usage plan and stage)."
  type        = number
}

variable "throttle_burst_limit" {
  description = "Burst of requests (usage plan and stage)."
  type        = number
}

variable "quota_per_day" {
  description = "Requests per day in the usage plan; 0 for no quota."
  type        = number
}

variable "execution_logging_level" {
  description = "Execution logging level: OFF, ERROR or INFO."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the access log group in days."
  type        = number
}

variable "attach_waf_web_acl" {
  description = "Associate waf_web_acl_arn with the stage (a boolean known at plan time)."
  type        = bool
}

variable "waf_web_acl_arn" {
  description = "ARN of a regional WAFv2 web ACL to protect the stage with; null for none."
  type        = string
}

variable "allowed_source_cidrs" {
  description = "CIDR ranges allowed to call the webhook; empty allows any source (the API key still applies)."
  type        = list(string)
}
