output "bucket_name" {
  description = "Name of the destination bucket."
  value       = local.bucket_id
}

output "bucket_arn" {
  description = "ARN of the destination bucket."
  value       = local.bucket_arn
}

output "created" {
  description = "Whether this module created (and hardened) the bucket."
  value       = var.create
}
