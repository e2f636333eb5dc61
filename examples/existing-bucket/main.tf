provider "aws" {
  region = var.region
}

# Deliver into a bucket your organisation already manages: the connector creates no bucket and
# its role may write, read and list only under the prefix.
module "ci360_connector" {
  source = "../../terraform/modules/connector"

  name                 = "ci360-s3-existing"
  stage_name           = "prod"
  lambda_zip_path      = "${path.root}/../../dist/s3_bulk_upload.zip" # make package ARCH=arm64
  create_bucket        = false
  existing_bucket_name = var.bucket_name
  s3_key_prefix        = "incoming/ci360/"
  kms_key_arn          = var.kms_key_arn
}
