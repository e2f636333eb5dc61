variable "aws_region" {
  description = "Region whose API Gateway account setting this configuration owns."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a Region name such as eu-west-1."
  }
}

variable "role_name" {
  description = "Name of the IAM role API Gateway writes its CloudWatch logs with; null: apigateway-cloudwatch-logs-<aws_region>. IAM is global and each Region has a bootstrap state of its own, so the name carries the Region (two Regions of one account must not both create one role)."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be a valid IAM role name (1-64 characters)."
  }
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
