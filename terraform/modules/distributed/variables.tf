variable "name" {
  description = "Name of the state machine (and prefix of its role, log group, alarm and EventBridge rule: at most 52 characters, a rule name's 64 less the 11 of -unfinished)."
  type        = string
}

variable "function_arn" {
  description = "ARN of the connector's function: every step of the state machine is a task of it."
  type        = string
}

variable "function_role_name" {
  description = "Name of the function's role, which is allowed to start (and look up) this state machine's executions."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the destination bucket: the part manifest the Map reads lives there, under the key prefix."
  type        = string
}

variable "key_prefix" {
  description = "s3_key_prefix of the function: the working files live under <prefix>.ci360-connector/executions/."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key the working files are encrypted with (the uploads' key), for reading the manifest; null: SSE-S3."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the state machine's log group."
  type        = number
}

variable "alarm_sns_topic_arns" {
  description = "SNS topics notified when an execution fails."
  type        = list(string)
}
