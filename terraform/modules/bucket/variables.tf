variable "create" {
  description = "Create and harden the bucket; false looks up an existing bucket and changes nothing on it."
  type        = bool
  default     = true
}

variable "bucket_name" {
  description = "Name of the bucket to create or use."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)."
  }
}

variable "key_prefix" {
  description = "Prefix the exports are delivered under; the lifecycle rules apply to it."
  type        = string
  default     = ""

  validation {
    condition     = var.key_prefix == "" || can(regex("^[^/\\\\][^\\\\]*/$", var.key_prefix))
    error_message = "key_prefix must be empty or end with '/', and must not start with '/' or contain '\\'."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for default SSE-KMS encryption with a bucket key; null means SSE-S3."
  type        = string
  default     = null
}

variable "expire_exports_after_days" {
  description = "Expire objects under key_prefix this many days after creation; 0 keeps them."
  type        = number
  default     = 0

  validation {
    condition     = var.expire_exports_after_days >= 0 && floor(var.expire_exports_after_days) == var.expire_exports_after_days
    error_message = "expire_exports_after_days must be a whole number, 0 or more."
  }
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which S3 removes the parts of an upload that was never completed."
  type        = number
  default     = 1

  validation {
    condition     = var.abort_incomplete_multipart_days >= 1 && floor(var.abort_incomplete_multipart_days) == var.abort_incomplete_multipart_days
    error_message = "abort_incomplete_multipart_days must be a whole number, 1 or more."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which replaced (noncurrent) versions of an export are deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number, 1 or more."
  }
}

variable "force_destroy" {
  description = "Allow destroying a created bucket that still holds objects."
  type        = bool
  default     = false
}
