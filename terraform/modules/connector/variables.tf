variable "name" {
  description = "Name of the deployment: every resource name starts with it (e.g. ci360-s3-dev)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters: lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "stage_name" {
  description = "API Gateway stage of the webhook (the deployment's environment, e.g. dev or prod)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name may hold only letters, digits, hyphens and underscores."
  }
}

# ---------------------------------------------------------------------------------------------
# Destination bucket
# ---------------------------------------------------------------------------------------------

variable "create_bucket" {
  description = "Create the exports bucket (true), or deliver into existing_bucket_name (false). A boolean, so a bucket name computed in the same apply can still be used."
  type        = bool
  default     = true
  nullable    = false
}

variable "existing_bucket_name" {
  description = "With create_bucket = false: deliver into this existing bucket. Its settings are left as they are."
  type        = string
  default     = null

  validation {
    condition     = var.existing_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.existing_bucket_name))
    error_message = "existing_bucket_name must be a valid S3 bucket name."
  }

  validation {
    condition     = var.create_bucket == (var.existing_bucket_name == null)
    error_message = "Set existing_bucket_name exactly when create_bucket = false."
  }
}

variable "bucket_name" {
  description = "Name of the bucket to create; default <name>-exports-<account id>."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)."
  }
}

variable "s3_key_prefix" {
  description = "Prefix of every delivered key, e.g. ci360/. The function may write only under it."
  type        = string
  default     = "ci360/"
  nullable    = false

  validation {
    condition     = var.s3_key_prefix == "" || can(regex("^[^/\\\\][^\\\\]*/$", var.s3_key_prefix))
    error_message = "s3_key_prefix must be empty or end with '/', and must not start with '/' or contain '\\'."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN for SSE-KMS (with an S3 bucket key); null uses S3-managed keys (SSE-S3)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "sse_algorithm" {
  description = "ServerSideEncryption the function sends with every upload (AES256, aws:kms, aws:kms:dsse), for a bucket whose policy requires the header; empty: the bucket's default encryption applies."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = contains(["", "AES256", "aws:kms", "aws:kms:dsse"], var.sse_algorithm)
    error_message = "sse_algorithm must be empty, AES256, aws:kms or aws:kms:dsse."
  }
}

variable "sse_kms_key_arn" {
  description = "SSEKMSKeyId the function sends with every upload (with sse_algorithm aws:kms or aws:kms:dsse); the role may use only this key. Empty: none."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.sse_kms_key_arn == "" || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.sse_kms_key_arn))
    error_message = "sse_kms_key_arn must be empty or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>). Not an alias ARN: the role's grant names the key, and IAM statements on an alias do not cover the key it points to, so every upload would be denied."
  }

  validation {
    condition     = var.sse_kms_key_arn == "" || startswith(var.sse_algorithm, "aws:kms")
    error_message = "sse_kms_key_arn needs sse_algorithm aws:kms or aws:kms:dsse."
  }
}

variable "expire_exports_after_days" {
  description = "Expire delivered exports this many days after delivery; 0 keeps them. The bucket is versioned: expiry adds a delete marker, and S3 deletes the data itself 30 days later (the noncurrent-version rule), so an export is gone after this many days + 30; the delete marker goes after that. Only for a bucket this module creates (an existing bucket's lifecycle is its owner's)."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.expire_exports_after_days >= 0 && floor(var.expire_exports_after_days) == var.expire_exports_after_days
    error_message = "expire_exports_after_days must be a whole number, 0 or more."
  }

  validation {
    condition     = var.create_bucket || var.expire_exports_after_days == 0
    error_message = "expire_exports_after_days applies to a bucket this module creates: with create_bucket = false, set the expiry in your bucket's own lifecycle configuration."
  }
}

# ---------------------------------------------------------------------------------------------
# Lambda function
# ---------------------------------------------------------------------------------------------

variable "lambda_zip_path" {
  description = "Path of the deployment zip built by `make package`, as Terraform runs (e.g. \"$${path.root}/../dist/s3_bulk_upload.zip\")."
  type        = string
}

variable "lambda_runtime" {
  description = "Lambda runtime. Only python3.13: the version make package builds the zip for (wheels and bytecode) and the artifact tests run on."
  type        = string
  default     = "python3.13"
  nullable    = false

  validation {
    condition     = contains(["python3.13"], var.lambda_runtime)
    error_message = "lambda_runtime must be python3.13: the version make package builds for and the artifact tests run on."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the function: arm64 (default, cheaper) or x86_64. `make package ARCH=…` must match."
  type        = string
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of the function in MB; CPU and network share grow with it (1769 MB = one full vCPU)."
  type        = number
  default     = 1769
  nullable    = false

  validation {
    condition     = var.lambda_memory_mb >= 512 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 512 and 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Function timeout in seconds; a transfer stops cleanly before it (20 % of the time, at most 90 s, early)."
  type        = number
  default     = 900
  nullable    = false

  validation {
    condition     = var.lambda_timeout_seconds >= 30 && var.lambda_timeout_seconds <= 900
    error_message = "lambda_timeout_seconds must be between 30 and 900."
  }
}

variable "lambda_ephemeral_storage" {
  description = "Size of /tmp in MB. The connector streams and does not use /tmp; raise only for your own extensions."
  type        = number
  default     = 512
  nullable    = false

  validation {
    condition     = var.lambda_ephemeral_storage >= 512 && var.lambda_ephemeral_storage <= 10240 && floor(var.lambda_ephemeral_storage) == var.lambda_ephemeral_storage
    error_message = "lambda_ephemeral_storage must be a whole number of MB between 512 and 10240."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions for the function; -1 leaves it unreserved."
  type        = number
  default     = -1
  nullable    = false

  validation {
    condition     = var.reserved_concurrency == -1 || (var.reserved_concurrency >= 1 && var.reserved_concurrency <= 1000)
    error_message = "reserved_concurrency must be -1 (unreserved) or between 1 and 1000."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's and the API's CloudWatch log groups, in days."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …, 3653)."
  }
}

variable "async_max_retry_attempts" {
  description = "Retries Lambda makes of a failed asynchronous transfer (0-2) before it goes to the failure queue."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = contains([0, 1, 2], var.async_max_retry_attempts)
    error_message = "async_max_retry_attempts must be 0, 1 or 2."
  }
}

variable "async_max_event_age_seconds" {
  description = "How long an asynchronous hand-off may wait to run, in seconds (60-21600). Keep it below the pre-signed URLs' lifetime."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition     = var.async_max_event_age_seconds >= 60 && var.async_max_event_age_seconds <= 21600
    error_message = "async_max_event_age_seconds must be between 60 and 21600."
  }
}

variable "alarm_sns_topic_arns" {
  description = "SNS topics notified by the error and failure-queue alarms."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.alarm_sns_topic_arns : can(regex("^arn:aws[a-z-]*:sns:", arn))])
    error_message = "alarm_sns_topic_arns must hold SNS topic ARNs."
  }
}

# ---------------------------------------------------------------------------------------------
# Connector behaviour (the Lambda environment variables of the connector contract)
# ---------------------------------------------------------------------------------------------

variable "source_host_allowlist" {
  description = "Hosts the CI360 staging files may come from; a host matches an entry or ends with .entry, on the scheme's default port unless the entry names one (host:port)."
  type        = list(string)
  default     = ["amazonaws.com"]
  nullable    = false

  validation {
    condition     = length(var.source_host_allowlist) > 0 && alltrue([for h in var.source_host_allowlist : can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$", h))])
    error_message = "source_host_allowlist must list lower-case host names, optionally with :port (no scheme or path)."
  }
}

variable "include_header" {
  description = "Write the header row built from CI360's metadata file (a task may override it with the send parameter include_header)."
  type        = bool
  default     = true
  nullable    = false
}

variable "overwrite" {
  description = "Replace an existing object at the key; false answers 409 and never replaces (conditional write)."
  type        = bool
  default     = true
  nullable    = false
}

variable "delivery_mode" {
  description = "sync: transfer, then answer; async: answer 202 and transfer in an asynchronous run; distributed: answer 202 and copy parts on Step Functions; auto: async from async_threshold_bytes on, distributed from distributed_threshold_bytes on."
  type        = string
  default     = "auto"
  nullable    = false

  validation {
    condition     = contains(["sync", "async", "distributed", "auto"], var.delivery_mode)
    error_message = "delivery_mode must be sync, async, distributed or auto."
  }
}

variable "async_threshold_bytes" {
  description = "Data-file size from which auto mode goes asynchronous."
  type        = number
  default     = 536870912
  nullable    = false

  validation {
    condition     = var.async_threshold_bytes >= 0 && floor(var.async_threshold_bytes) == var.async_threshold_bytes
    error_message = "async_threshold_bytes must be a whole number, 0 or more."
  }
}

variable "gzip_level" {
  description = "Compression level for keys ending in .gz: 1-3 are ISA-L's igzip levels (2: within 10 % of zlib level 6's size, several times faster), 4-9 zlib-ng's (4: zlib level 6's size)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.gzip_level >= 1 && var.gzip_level <= 9 && floor(var.gzip_level) == var.gzip_level
    error_message = "gzip_level must be a whole number from 1 to 9."
  }
}

variable "return_presigned_url" {
  description = "Add a 24 h pre-signed GET URL of the object to the answer (it then appears in CI360's logs)."
  type        = bool
  default     = false
  nullable    = false
}

variable "log_level" {
  description = "Log level of the function."
  type        = string
  default     = "INFO"
  nullable    = false

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "delivery_event_bus_name" {
  description = "EventBridge bus (name or ARN) that receives one \"CI360 Export Delivered\" event per delivery, for downstream jobs; null: no event. The function may put events on this bus only."
  type        = string
  default     = null

  validation {
    condition = var.delivery_event_bus_name == null || can(regex(
      "^([A-Za-z0-9._/-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256})$",
      var.delivery_event_bus_name
    ))
    error_message = "delivery_event_bus_name must be an EventBridge bus name or ARN."
  }
}

variable "glue_database_name" {
  description = "Glue Data Catalog database that gets one table per export folder, typed from CI360's metadata (Athena, Clean Rooms and Redshift Spectrum read it). null: with create_glue_database, one named after this deployment (<name, - as _>_exports, so each workspace has its own); without, no table. The function may get, create and update tables in this database only."
  type        = string
  default     = null

  validation {
    condition     = var.glue_database_name == null || can(regex("^[a-z0-9_-]{1,255}$", var.glue_database_name))
    error_message = "glue_database_name must be 1-255 characters of a-z, 0-9, _ and -."
  }
}

variable "create_glue_database" {
  description = "Create the catalog database in this deployment, named glue_database_name or, when that is null, after the deployment (false: glue_database_name exists already). A database is this deployment's alone: destroying the deployment deletes it with its tables."
  type        = bool
  default     = false
  nullable    = false

}

variable "lakeformation_grants" {
  description = "Grant the function's role Lake Formation permissions on the catalog database (CREATE_TABLE on it; ALTER and DESCRIBE on its tables), for accounts where Lake Formation governs the Data Catalog. Off by default: with IAM-only catalog access (the default for accounts that never enabled Lake Formation) the IAM grants suffice. Needs a catalog database, and the applying principal must be a Lake Formation administrator."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !var.lakeformation_grants || var.glue_database_name != null || var.create_glue_database
    error_message = "lakeformation_grants needs a catalog database: set glue_database_name or create_glue_database."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's metrics (embedded metric format); the dashboard reads it."
  type        = string
  default     = "CI360S3BulkConnector"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be 1-255 characters of letters, digits and . _ / # : - and must not start with AWS/."
  }
}

variable "part_size_mib" {
  description = "Multipart part size in MiB, of a whole-file upload and of the distributed path's spans (grown automatically past 10,000 parts)."
  type        = number
  default     = 8
  nullable    = false

  validation {
    condition     = var.part_size_mib >= 5 && var.part_size_mib <= 512
    error_message = "part_size_mib must be between 5 and 512."
  }
}

variable "max_concurrency" {
  description = "Parts uploaded in parallel; memory use is about (max_concurrency + 2) × part_size_mib."
  type        = number
  default     = 8
  nullable    = false

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 64
    error_message = "max_concurrency must be between 1 and 64."
  }
}

variable "source_connections" {
  description = "Connections reading the data file's byte ranges at once (one GET connection to S3 carries about 85-90 MB/s); memory is about (source_connections / 2 + max_concurrency + 2) × part_size_mib (ranges are half a part)."
  type        = number
  default     = 8
  nullable    = false

  validation {
    condition     = var.source_connections >= 1 && var.source_connections <= 32 && floor(var.source_connections) == var.source_connections
    error_message = "source_connections must be a whole number from 1 to 32."
  }
}

variable "source_max_retries" {
  description = "Retries of a failing staging-file request, and interruptions in a row a download survives."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.source_max_retries >= 0 && var.source_max_retries <= 20 && floor(var.source_max_retries) == var.source_max_retries
    error_message = "source_max_retries must be a whole number from 0 to 20."
  }
}

variable "source_backoff_seconds" {
  description = "First wait before a retry (doubling, at most 10 s; never past the function's deadline)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.source_backoff_seconds >= 0 && var.source_backoff_seconds <= 60
    error_message = "source_backoff_seconds must be from 0 to 60."
  }
}

# ---------------------------------------------------------------------------------------------
# API Gateway
# ---------------------------------------------------------------------------------------------

variable "api_throttle_rate_limit" {
  description = "Steady-state requests per second allowed by the usage plan and the stage."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.api_throttle_rate_limit > 0
    error_message = "api_throttle_rate_limit must be greater than 0."
  }
}

variable "api_throttle_burst_limit" {
  description = "Request burst allowed by the usage plan and the stage."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.api_throttle_burst_limit >= 1 && floor(var.api_throttle_burst_limit) == var.api_throttle_burst_limit
    error_message = "api_throttle_burst_limit must be a whole number, 1 or more."
  }
}

variable "api_quota_per_day" {
  description = "Requests per day allowed by the usage plan; 0 sets no quota."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.api_quota_per_day >= 0 && floor(var.api_quota_per_day) == var.api_quota_per_day
    error_message = "api_quota_per_day must be a whole number, 0 or more."
  }
}

variable "api_execution_logging_level" {
  description = "API Gateway execution logging: OFF, ERROR or INFO (request bodies are never logged)."
  type        = string
  default     = "ERROR"
  nullable    = false

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.api_execution_logging_level)
    error_message = "api_execution_logging_level must be OFF, ERROR or INFO."
  }
}

variable "attach_waf_web_acl" {
  description = "Associate waf_web_acl_arn with the webhook's stage. A boolean, so the ACL may be created in the same apply."
  type        = bool
  default     = false
  nullable    = false
}

variable "waf_web_acl_arn" {
  description = "With attach_waf_web_acl = true: ARN of a regional WAFv2 web ACL to associate with the webhook's stage."
  type        = string
  default     = null

  validation {
    condition     = var.waf_web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/.+$", var.waf_web_acl_arn))
    error_message = "waf_web_acl_arn must be a regional WAFv2 web ACL ARN."
  }

  validation {
    condition     = var.attach_waf_web_acl == (var.waf_web_acl_arn != null)
    error_message = "Set waf_web_acl_arn exactly when attach_waf_web_acl = true."
  }
}

# ---------------------------------------------------------------------------------------------
# Hardening options, each off by default
# ---------------------------------------------------------------------------------------------

variable "allowed_source_cidrs" {
  description = "Only these CIDR ranges may call the webhook (an API Gateway resource policy denies the rest); empty: any source, the API key still applies. For CI360 calls routed through a known egress."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for cidr in var.allowed_source_cidrs : can(cidrhost(cidr, 0))])
    error_message = "allowed_source_cidrs must hold CIDR ranges such as 203.0.113.0/24."
  }
}

variable "bucket_eventbridge_notifications" {
  description = "Send the created bucket's S3 events to EventBridge, so rules can start downstream jobs on new exports (ignored with existing_bucket_name)."
  type        = bool
  default     = false
  nullable    = false
}

variable "code_signing_config_arn" {
  description = "Not supported yet; must stay null. `make package` builds an unsigned zip, which an enforcing code signing configuration rejects: the signing path (AWS Signer profile, signing job, deployment from the signed object) does not exist in this module."
  type        = string
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null
    error_message = "code_signing_config_arn is not supported yet: make package builds an unsigned zip, which an enforcing code signing configuration rejects at deployment. Leave it null (see the connector README, Code signing)."
  }
}

variable "run_in_vpc" {
  description = "Run the function in vpc_subnet_ids, with vpc_security_group_ids. A boolean, so subnets and security groups created in the same apply can be used."
  type        = bool
  default     = false
  nullable    = false
}

variable "vpc_subnet_ids" {
  description = "With run_in_vpc = true: subnets to run the function in, where policy requires it. The subnets need a NAT or egress path to CI360's staging URLs and to S3."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.vpc_subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "vpc_subnet_ids must hold subnet IDs such as subnet-0123456789abcdef0."
  }

  validation {
    condition     = var.run_in_vpc == (length(var.vpc_subnet_ids) > 0)
    error_message = "Set vpc_subnet_ids exactly when run_in_vpc = true."
  }
}

variable "vpc_security_group_ids" {
  description = "Security groups of the function's network interfaces; required with vpc_subnet_ids."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.vpc_security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "vpc_security_group_ids must hold security group IDs such as sg-0123456789abcdef0."
  }

  validation {
    condition     = (length(var.vpc_security_group_ids) > 0) == (length(var.vpc_subnet_ids) > 0)
    error_message = "vpc_subnet_ids and vpc_security_group_ids go together: set both or neither."
  }
}

variable "distributed_threshold_bytes" {
  description = "Data-file size from which auto mode delivers on Step Functions (Distributed Map); 32 GiB: what one invocation carries with room for .gz and cross-Region reads."
  type        = number
  default     = 34359738368
  nullable    = false

  validation {
    condition     = var.distributed_threshold_bytes >= 0 && floor(var.distributed_threshold_bytes) == var.distributed_threshold_bytes
    error_message = "distributed_threshold_bytes must be a whole number, 0 or more."
  }
}

variable "max_parallel_parts" {
  description = "Parts the distributed path copies at once (the Map's concurrency): each is one function invocation, so keep it below reserved_concurrency and the account's Lambda concurrency."
  type        = number
  default     = 32
  nullable    = false

  validation {
    condition     = var.max_parallel_parts >= 1 && var.max_parallel_parts <= 1000 && floor(var.max_parallel_parts) == var.max_parallel_parts
    error_message = "max_parallel_parts must be a whole number from 1 to 1000."
  }
}

variable "distributed_part_size_mib" {
  description = "Span of the data file each child of the distributed path copies: plain, as S3 parts of part_size_mib, each uploaded while the next is read; .gz, as one part (spans and parts grow to fit 10,000 part numbers)."
  type        = number
  default     = 128
  nullable    = false

  validation {
    condition     = var.distributed_part_size_mib >= 5 && var.distributed_part_size_mib <= 5120 && floor(var.distributed_part_size_mib) == var.distributed_part_size_mib
    error_message = "distributed_part_size_mib must be a whole number from 5 to 5120."
  }
}
