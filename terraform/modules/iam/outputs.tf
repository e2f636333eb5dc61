output "role_arn" {
  description = "ARN of the function's role, available once its policy is attached."
  value       = aws_iam_role.this.arn

  # Lambda validates the failure destination against the role's permissions at creation.
  depends_on = [aws_iam_role_policy.function]
}

output "role_name" {
  description = "Name of the function's role."
  value       = aws_iam_role.this.name
}

output "policy_json" {
  description = "The inline policy document, for review."
  value       = data.aws_iam_policy_document.function.json
}
