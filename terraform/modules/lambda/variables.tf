variable "function_name" {
  description = "Name of the function."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, hyphens or underscores."
  }
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
  description = "Lambda runtime: only a runtime the artifact tests run on (the zip carries bytecode and wheels for its Python version)."
  type        = string
  default     = "python3.13"

  validation {
    condition     = contains(["python3.13"], var.runtime)
    error_message = "runtime must be python3.13: the version make package builds for and the artifact tests run on."
  }
}

variable "architecture" {
  description = "arm64 or x86_64; must match the wheels in the zip."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_mb" {
  description = "Memory in MB."
  type        = number
  default     = 1769

  validation {
    condition     = var.memory_mb >= 512 && var.memory_mb <= 10240
    error_message = "memory_mb must be between 512 and 10240."
  }
}

variable "timeout_seconds" {
  description = "Timeout in seconds."
  type        = number
  default     = 900

  validation {
    condition     = var.timeout_seconds >= 30 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 30 and 900."
  }
}

variable "ephemeral_storage_mb" {
  description = "Size of /tmp in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.ephemeral_storage_mb >= 512 && var.ephemeral_storage_mb <= 10240 && floor(var.ephemeral_storage_mb) == var.ephemeral_storage_mb
    error_message = "ephemeral_storage_mb must be a whole number of MB between 512 and 10240."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 for none."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrency == -1 || var.reserved_concurrency >= 1
    error_message = "reserved_concurrency must be -1 or 1 and more."
  }
}

variable "environment" {
  description = "Environment variables of the connector (names from the connector contract)."
  type        = map(string)

  validation {
    condition     = contains(keys(var.environment), "s3_bucket_name")
    error_message = "environment must set s3_bucket_name."
  }
}

variable "log_retention_days" {
  description = "Retention of the log group in days."
  type        = number
  default     = 90
}

variable "async_max_retry_attempts" {
  description = "Retries of a failed asynchronous run (0-2)."
  type        = number
  default     = 1

  validation {
    condition     = contains([0, 1, 2], var.async_max_retry_attempts)
    error_message = "async_max_retry_attempts must be 0, 1 or 2."
  }
}

variable "async_max_event_age_seconds" {
  description = "Maximum age of an asynchronous event (60-21600 s)."
  type        = number
  default     = 3600

  validation {
    condition     = var.async_max_event_age_seconds >= 60 && var.async_max_event_age_seconds <= 21600
    error_message = "async_max_event_age_seconds must be between 60 and 21600."
  }
}

variable "alarm_sns_topic_arns" {
  description = "SNS topics the alarms notify."
  type        = list(string)
  default     = []
}
