variable "name" {
  description = "Name of the role and its inline policy."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the destination bucket."
  type        = string
}

variable "key_prefix" {
  description = "The only prefix the function may write, read and list under; empty grants the whole bucket."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key the bucket encrypts with, or null for SSE-S3."
  type        = string
}

variable "delivery_event_bus_arn" {
  description = "ARN of the EventBridge bus the function puts delivery events on, or null for none."
  type        = string
}

variable "glue_resource_arns" {
  description = "ARNs of the Glue catalog, the export database and its tables (table/<database>/*); empty: no catalog access."
  type        = list(string)
}

variable "function_arn" {
  description = "ARN of the function (it invokes itself for the asynchronous hand-off)."
  type        = string
}

variable "log_group_arn" {
  description = "ARN of the function's log group (without the :* suffix)."
  type        = string
}

variable "failure_queue_arn" {
  description = "ARN of the SQS queue failed asynchronous transfers are sent to."
  type        = string
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary policy for the role, where the organisation requires one."
  type        = string
  default     = null
}

variable "in_vpc" {
  description = "The function runs in a VPC: attach AWS's policy for managing its network interfaces."
  type        = bool
}
