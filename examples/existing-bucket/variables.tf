variable "region" {
  description = "Region of the bucket and of the connector."
  type        = string
  default     = "eu-west-1"
}

variable "bucket_name" {
  description = "The existing bucket the exports are delivered to."
  type        = string
}

variable "kms_key_arn" {
  description = "The KMS key the bucket encrypts with, or null for SSE-S3."
  type        = string
  default     = null
}
