locals {
  bucket_id  = var.create ? aws_s3_bucket.this[0].id : data.aws_s3_bucket.existing[0].id
  bucket_arn = var.create ? aws_s3_bucket.this[0].arn : data.aws_s3_bucket.existing[0].arn
}

data "aws_s3_bucket" "existing" {
  count  = var.create ? 0 : 1
  bucket = var.bucket_name
}

resource "aws_s3_bucket" "this" {
  count = var.create ? 1 : 0

  bucket = var.bucket_name

  # Exports are the customer's data: `terraform destroy` refuses (before anything is touched)
  # instead of first stripping the bucket's encryption, public access block, TLS policy and
  # versioning and then failing on a non-empty bucket. `make teardown` is the deliberate way.
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count  = var.create ? 1 : 0
  bucket = aws_s3_bucket.this[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  count  = var.create ? 1 : 0
  bucket = aws_s3_bucket.this[0].id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count  = var.create ? 1 : 0
  bucket = aws_s3_bucket.this[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # The bucket key cuts KMS requests (and their cost) by orders of magnitude for multipart uploads.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count  = var.create ? 1 : 0
  bucket = aws_s3_bucket.this[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count  = var.create ? 1 : 0
  bucket = aws_s3_bucket.this[0].id

  # Versioning first: noncurrent-version rules need it.
  depends_on = [aws_s3_bucket_versioning.this]

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }
  }

  rule {
    id     = "expire-replaced-export-versions"
    status = "Enabled"

    filter {
      prefix = var.key_prefix
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  # Once an export's last noncurrent version has gone, its delete marker is all that is left (an
  # "expired object delete marker"): removed too, or every expired or deleted export leaves one
  # behind forever (they slow listings and are counted as objects).
  rule {
    id     = "remove-expired-delete-markers"
    status = "Enabled"

    filter {
      prefix = var.key_prefix
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  # A distributed execution's working files (its request holds the pre-signed URLs) are removed
  # when it ends, a stopped or timed-out one's too; should that clean-up itself fail, they expire
  # here. An execution runs a day at most (the state machine's TimeoutSeconds): two days never
  # remove a running execution's files.
  rule {
    id     = "expire-distributed-working-files"
    status = "Enabled"

    filter {
      prefix = "${var.key_prefix}.ci360-connector/executions/"
    }

    expiration {
      days = 2
    }
  }

  dynamic "rule" {
    for_each = var.expire_exports_after_days > 0 ? [var.expire_exports_after_days] : []

    content {
      id     = "expire-delivered-exports"
      status = "Enabled"

      filter {
        prefix = var.key_prefix
      }

      expiration {
        days = rule.value
      }
    }
  }
}

data "aws_iam_policy_document" "bucket" {
  count = var.create ? 1 : 0

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this[0].arn,
      "${aws_s3_bucket.this[0].arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  count  = var.create ? 1 : 0
  bucket = aws_s3_bucket.this[0].id
  policy = data.aws_iam_policy_document.bucket[0].json

  # A policy put before the public access block is in place can be refused as public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Object-created events on EventBridge's default bus, for rules that start downstream jobs.
resource "aws_s3_bucket_notification" "eventbridge" {
  count = var.create && var.eventbridge_notifications ? 1 : 0

  bucket      = aws_s3_bucket.this[0].id
  eventbridge = true
}
