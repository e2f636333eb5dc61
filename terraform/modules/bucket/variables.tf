variable "create" {
  description = "Create and harden the bucket; false looks up an existing bucket and changes nothing on it."
  type        = bool
}

variable "bucket_name" {
  description = "Name of the bucket to create or use."
  type        = string
}

variable "key_prefix" {
  description = "Prefix the exports are delivered under; the lifecycle rules apply to it."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key ARN for default SSE-KMS encryption with a bucket key; null means SSE-S3."
  type        = string
}

variable "expire_exports_after_days" {
  description = "Expire objects under key_prefix this many days after creation (on a versioned bucket: a delete marker; the data goes noncurrent_version_expiration_days later); 0 keeps them."
  type        = number
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which S3 removes the parts of an upload that was never completed."
  type        = number
  default     = 1
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which replaced (noncurrent) versions of an export are deleted."
  type        = number
  default     = 30
}

variable "eventbridge_notifications" {
  description = "Send the created bucket's S3 events to EventBridge (downstream jobs can start on new exports)."
  type        = bool
}
