# Example values for the `prod` workspace: `make apply WORKSPACE=prod`.
aws_region    = "eu-west-1"
name_prefix   = "ci360-s3"
s3_key_prefix = "ci360/"

# kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/…"   # SSE-KMS with a bucket key
expire_exports_after_days = 0 # keep exports until your own retention removes them

lambda_memory_mb         = 3008
lambda_timeout_seconds   = 900
lambda_ephemeral_storage = 512
# reserved_concurrency = 10  # only with room in the account's quota: Lambda keeps 100 unreserved
#                            # (aws lambda get-account-settings: UnreservedConcurrentExecutions)
log_level          = "INFO"
log_retention_days = 365

delivery_mode         = "auto"
async_threshold_bytes = 536870912
overwrite             = false

api_throttle_rate_limit  = 10
api_throttle_burst_limit = 20
api_quota_per_day        = 10000


# alarm_sns_topic_arns = ["arn:aws:sns:eu-west-1:111122223333:ops-alerts"]

tags = {
  CostCenter = "marketing-ops"
}
