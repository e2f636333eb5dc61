output "role_arn" {
  description = "ARN of the function's role, available once its policy is attached."
  value       = aws_iam_role.this.arn

  # Lambda validates the failure destination against the role's permissions at creation; in a VPC
  # it needs the ENI permissions at creation, and again while it deletes the ENIs on destroy (so
  # the attachment must outlive the function).
  depends_on = [aws_iam_role_policy.function, aws_iam_role_policy_attachment.vpc]
}

output "role_name" {
  description = "Name of the function's role."
  value       = aws_iam_role.this.name
}

output "policy_json" {
  description = "The inline policy document, for review."
  value       = data.aws_iam_policy_document.function.json
}
