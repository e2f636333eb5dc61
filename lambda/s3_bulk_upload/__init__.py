"""CI360 bulk export → Amazon S3 connector (AWS Lambda)."""
