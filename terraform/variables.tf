# Pass-through inputs default to null here: the connector module declares each default once
# (with nullable = false, a null from this root means "the connector's default"), so a default
# lives in one file. The effective defaults are in the README's table and the connector's README.

# ---------------------------------------------------------------------------------------------
# Naming and placement
# ---------------------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS Region for every resource of this stack (e.g. eu-west-1)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a Region code such as eu-west-1."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name; the workspace is appended (ci360-s3 → ci360-s3-dev)."
  type        = string
  default     = "ci360-s3"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters: lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------
# Destination bucket
# ---------------------------------------------------------------------------------------------

variable "create_bucket" {
  description = "Create the exports bucket (true), or deliver into existing_bucket_name (false). A boolean, so a bucket name computed in the same apply can still be used."
  type        = bool
  default     = null
}

variable "existing_bucket_name" {
  description = "With create_bucket = false: deliver into this existing bucket. Its settings are left as they are."
  type        = string
  default     = null

}

variable "bucket_name" {
  description = "Name of the bucket to create; default <name_prefix>-<workspace>-exports-<account id>."
  type        = string
  default     = null

}

variable "s3_key_prefix" {
  description = "Prefix of every delivered key, e.g. ci360/. The function may write only under it."
  type        = string
  default     = null

}

variable "kms_key_arn" {
  description = "KMS key ARN for SSE-KMS (with an S3 bucket key); null uses S3-managed keys (SSE-S3)."
  type        = string
  default     = null

}

variable "sse_algorithm" {
  description = "ServerSideEncryption the function sends with every upload (AES256, aws:kms, aws:kms:dsse), for a bucket whose policy requires the header; empty: the bucket's default encryption applies."
  type        = string
  default     = null
}

variable "sse_kms_key_arn" {
  description = "SSEKMSKeyId the function sends with every upload (with sse_algorithm aws:kms or aws:kms:dsse); the role may use only this key. Empty: none."
  type        = string
  default     = null
}

variable "expire_exports_after_days" {
  description = "Expire delivered exports this many days after delivery; 0 keeps them. The bucket is versioned: expiry adds a delete marker, and S3 deletes the data itself 30 days later (the noncurrent-version rule), so an export is gone after this many days + 30."
  type        = number
  default     = null

}

# ---------------------------------------------------------------------------------------------
# Lambda function
# ---------------------------------------------------------------------------------------------

variable "lambda_zip_path" {
  description = "Path of the deployment zip built by `make package`, relative to this folder."
  type        = string
  default     = "../dist/s3_bulk_upload.zip"
}

variable "lambda_runtime" {
  description = "Lambda runtime. Only python3.13: the version make package builds the zip for (wheels and bytecode) and the artifact tests run on."
  type        = string
  default     = null

}

variable "lambda_architecture" {
  description = "Instruction set of the function: arm64 (default, cheaper) or x86_64. `make package ARCH=…` must match."
  type        = string
  default     = null

}

variable "lambda_memory_mb" {
  description = "Memory of the function in MB; CPU and network share grow with it (1769 MB = one full vCPU)."
  type        = number
  default     = null

}

variable "lambda_timeout_seconds" {
  description = "Function timeout in seconds; a transfer stops cleanly before it (20 % of the time, at most 90 s, early)."
  type        = number
  default     = null

}

variable "lambda_ephemeral_storage" {
  description = "Size of /tmp in MB. The connector streams and does not use /tmp; raise only for your own extensions."
  type        = number
  default     = null

}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions for the function; -1 leaves it unreserved."
  type        = number
  default     = null

}

variable "log_retention_days" {
  description = "Retention of the function's and the API's CloudWatch log groups, in days."
  type        = number
  default     = null

}

variable "async_max_retry_attempts" {
  description = "Retries Lambda makes of a failed asynchronous transfer (0-2) before it goes to the failure queue."
  type        = number
  default     = null

}

variable "async_max_event_age_seconds" {
  description = "How long an asynchronous hand-off may wait to run, in seconds (60-21600). Keep it below the pre-signed URLs' lifetime."
  type        = number
  default     = null

}

variable "alarm_sns_topic_arns" {
  description = "SNS topics notified by the error and failure-queue alarms."
  type        = list(string)
  default     = null

}

# ---------------------------------------------------------------------------------------------
# Connector behaviour (the Lambda environment variables of the connector contract)
# ---------------------------------------------------------------------------------------------

variable "source_host_allowlist" {
  description = "Hosts the CI360 staging files may come from; a host matches an entry or ends with .entry, on the scheme's default port unless the entry names one (host:port)."
  type        = list(string)
  default     = null

}

variable "include_header" {
  description = "Write the header row built from CI360's metadata file (a task may override it with the send parameter include_header)."
  type        = bool
  default     = null
}

variable "overwrite" {
  description = "Replace an existing object at the key; false answers 409 and never replaces (conditional write)."
  type        = bool
  default     = null
}

variable "delivery_mode" {
  description = "sync: transfer, then answer; async: answer 202 and transfer in an asynchronous run; distributed: answer 202 and copy parts on Step Functions; auto: async from async_threshold_bytes on, distributed from distributed_threshold_bytes on."
  type        = string
  default     = null

}

variable "async_threshold_bytes" {
  description = "Data-file size from which auto mode goes asynchronous."
  type        = number
  default     = null

}

variable "gzip_level" {
  description = "Compression level for keys ending in .gz: 1-3 are ISA-L's igzip levels (2: within 10 % of zlib level 6's size, several times faster), 4-9 zlib-ng's (4: zlib level 6's size)."
  type        = number
  default     = null

}

variable "return_presigned_url" {
  description = "Add a 24 h pre-signed GET URL of the object to the answer (it then appears in CI360's logs)."
  type        = bool
  default     = null
}

variable "log_level" {
  description = "Log level of the function."
  type        = string
  default     = null

}

variable "delivery_event_bus_name" {
  description = "EventBridge bus (name or ARN) that receives one \"CI360 Export Delivered\" event per delivery, for downstream jobs; null: no event. The function may put events on this bus only."
  type        = string
  default     = null

}

variable "glue_database_name" {
  description = "Glue Data Catalog database that gets one table per export folder, typed from CI360's metadata (Athena, Clean Rooms and Redshift Spectrum read it). null: with create_glue_database, one named after this deployment (<name, - as _>_exports, so each workspace has its own); without, no table. The function may get, create and update tables in this database only."
  type        = string
  default     = null

}

variable "create_glue_database" {
  description = "Create the catalog database in this deployment, named glue_database_name or, when that is null, after the deployment (false: glue_database_name exists already). A database is this deployment's alone: destroying the deployment deletes it with its tables."
  type        = bool
  default     = null

}

variable "lakeformation_grants" {
  description = "Grant the function's role Lake Formation permissions on the catalog database (CREATE_TABLE on it; ALTER and DESCRIBE on its tables), for accounts where Lake Formation governs the Data Catalog. Off by default; needs a catalog database, and the applying principal must be a Lake Formation administrator."
  type        = bool
  default     = null
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's metrics (embedded metric format); the dashboard reads it."
  type        = string
  default     = null

}

variable "part_size_mib" {
  description = "Multipart part size in MiB, of a whole-file upload and of the distributed path's spans (grown automatically past 10,000 parts)."
  type        = number
  default     = null

}

variable "max_concurrency" {
  description = "Parts uploaded in parallel; memory use is about (max_concurrency + 2) × part_size_mib."
  type        = number
  default     = null

}

variable "source_connections" {
  description = "Connections reading the data file's byte ranges at once (one GET connection to S3 carries about 85-90 MB/s); memory is about (source_connections / 2 + max_concurrency + 2) × part_size_mib (ranges are half a part)."
  type        = number
  default     = null

}

variable "source_max_retries" {
  description = "Retries of a failing staging-file request, and interruptions in a row a download survives."
  type        = number
  default     = null
}

variable "source_backoff_seconds" {
  description = "First wait before a retry (doubling, at most 10 s; never past the function's deadline)."
  type        = number
  default     = null
}

# ---------------------------------------------------------------------------------------------
# API Gateway
# ---------------------------------------------------------------------------------------------

variable "api_throttle_rate_limit" {
  description = "Steady-state requests per second allowed by the usage plan and the stage."
  type        = number
  default     = null

}

variable "api_throttle_burst_limit" {
  description = "Request burst allowed by the usage plan and the stage."
  type        = number
  default     = null

}

variable "api_quota_per_day" {
  description = "Requests per day allowed by the usage plan; 0 sets no quota."
  type        = number
  default     = null

}

variable "api_execution_logging_level" {
  description = "API Gateway execution logging: OFF, ERROR or INFO (request bodies are never logged)."
  type        = string
  default     = null

}

variable "attach_waf_web_acl" {
  description = "Associate waf_web_acl_arn with the webhook's stage. A boolean, so the ACL may be created in the same apply."
  type        = bool
  default     = null
}

variable "waf_web_acl_arn" {
  description = "With attach_waf_web_acl = true: ARN of a regional WAFv2 web ACL to associate with the webhook's stage."
  type        = string
  default     = null

}

# ---------------------------------------------------------------------------------------------
# Hardening options, each off by default
# ---------------------------------------------------------------------------------------------

variable "allowed_source_cidrs" {
  description = "Only these CIDR ranges may call the webhook (an API Gateway resource policy denies the rest); empty: any source, the API key still applies. For CI360 calls routed through a known egress."
  type        = list(string)
  default     = null

}

variable "bucket_eventbridge_notifications" {
  description = "Send the created bucket's S3 events to EventBridge, so rules can start downstream jobs on new exports (ignored with existing_bucket_name)."
  type        = bool
  default     = null
}

variable "code_signing_config_arn" {
  description = "Not supported yet; must stay null. `make package` builds an unsigned zip, which an enforcing code signing configuration rejects: the signing path (AWS Signer profile, signing job, deployment from the signed object) does not exist in this module."
  type        = string
  default     = null

}

variable "run_in_vpc" {
  description = "Run the function in vpc_subnet_ids, with vpc_security_group_ids. A boolean, so subnets and security groups created in the same apply can be used."
  type        = bool
  default     = null
}

variable "vpc_subnet_ids" {
  description = "Subnets to run the function in, where policy requires it; empty: no VPC. The subnets need a NAT or egress path to CI360's staging URLs and to S3."
  type        = list(string)
  default     = null

}

variable "vpc_security_group_ids" {
  description = "Security groups of the function's network interfaces; required with vpc_subnet_ids."
  type        = list(string)
  default     = null

}

variable "distributed_threshold_bytes" {
  description = "Data-file size from which auto mode delivers on Step Functions (Distributed Map); 32 GiB: what one invocation carries with room for .gz and cross-Region reads."
  type        = number
  default     = null

}

variable "max_parallel_parts" {
  description = "Parts the distributed path copies at once (the Map's concurrency): each is one function invocation, so keep it below reserved_concurrency and the account's Lambda concurrency."
  type        = number
  default     = null

}

variable "distributed_part_size_mib" {
  description = "Span of the data file each child of the distributed path copies: plain, as S3 parts of part_size_mib, each uploaded while the next is read; .gz, as one part (spans and parts grow to fit 10,000 part numbers)."
  type        = number
  default     = null

}
