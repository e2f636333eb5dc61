variable "name" {
  description = "Name of the dashboard and prefix of the alarm (the workspace's name)."
  type        = string
}

variable "region" {
  description = "Region of the metrics (and of the dashboard's console link)."
  type        = string
}

variable "metrics_namespace" {
  description = "CloudWatch namespace the function writes its EMF metrics to."
  type        = string
}

variable "service_name" {
  description = "The function's Powertools service name: the service dimension of its metrics."
  type        = string
}

variable "function_name" {
  description = "Name of the connector function."
  type        = string
}

variable "function_timeout_s" {
  description = "The function's timeout, drawn on the duration widget."
  type        = number
}

variable "api_name" {
  description = "Name of the REST API (ApiName dimension)."
  type        = string
}

variable "stage_name" {
  description = "Stage of the REST API (Stage dimension)."
  type        = string
}

variable "failure_queue_name" {
  description = "Queue of failed asynchronous transfers."
  type        = string
}

variable "api_5xx_alarm_actions" {
  description = "SNS topic ARNs notified when the webhook answers 5XX."
  type        = list(string)
}

variable "state_machine_arn" {
  description = "ARN of the distributed delivery's state machine, whose executions the dashboard shows."
  type        = string
}
