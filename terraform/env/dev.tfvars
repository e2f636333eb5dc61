# Example values for the `dev` workspace: `make apply WORKSPACE=dev`.
aws_region    = "eu-west-1"
name_prefix   = "ci360-s3"
s3_key_prefix = "ci360/"

# Exports land in a bucket this stack creates; set create_bucket = false and existing_bucket_name
# to use yours instead.
expire_exports_after_days = 30

lambda_memory_mb         = 1769
lambda_timeout_seconds   = 900
lambda_ephemeral_storage = 512
log_level                = "DEBUG"
log_retention_days       = 30

api_throttle_rate_limit  = 5
api_throttle_burst_limit = 10


tags = {
  CostCenter = "marketing-ops"
}
