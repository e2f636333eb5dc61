variable "function_name" {
  description = "Name of the function."
  type        = string
}

variable "log_group_name" {
  description = "Name of the function's log group (/aws/lambda/<function_name>)."
  type        = string
}

variable "role_arn" {
  description = "ARN of the execution role."
  type        = string
}

variable "zip_path" {
  description = "Path of the deployment zip from `make package`."
  type        = string
}

variable "handler" {
  description = "Handler string of the connector."
  type        = string
  default     = "s3_bulk_upload.handler.lambda_handler"
}

variable "runtime" {
  description = "Lambda runtime (the zip carries wheels and bytecode for its Python version)."
  type        = string
}

variable "architecture" {
  description = "arm64 or x86_64; must match the wheels in the zip."
  type        = string
}

variable "memory_mb" {
  description = "Memory in MB."
  type        = number
}

variable "timeout_seconds" {
  description = "Timeout in seconds."
  type        = number
}

variable "ephemeral_storage_mb" {
  description = "Size of /tmp in MB."
  type        = number
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 for none."
  type        = number
}

variable "environment" {
  description = "Environment variables of the connector (names from the connector contract)."
  type        = map(string)
}

variable "log_retention_days" {
  description = "Retention of the log group in days."
  type        = number
}

variable "async_max_retry_attempts" {
  description = "Retries of a failed asynchronous run (0-2)."
  type        = number
}

variable "async_max_event_age_seconds" {
  description = "Maximum age of an asynchronous event (60-21600 s)."
  type        = number
}

variable "alarm_sns_topic_arns" {
  description = "SNS topics the alarms notify."
  type        = list(string)
}

variable "code_signing_config_arn" {
  description = "Code signing configuration the function's deployments must satisfy, or null."
  type        = string
}

variable "in_vpc" {
  description = "Run the function in vpc_subnet_ids (a boolean known at plan, so the subnets may be created in the same apply)."
  type        = bool
}

variable "vpc_subnet_ids" {
  description = "Subnets to run the function in; empty: no VPC."
  type        = list(string)
}

variable "vpc_security_group_ids" {
  description = "Security groups of the function's network interfaces (with vpc_subnet_ids)."
  type        = list(string)
}
