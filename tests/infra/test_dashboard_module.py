"""modules/dashboard: the dashboard and the webhook's 5XX alarm watch this deployment."""

from __future__ import annotations

from devkit.terraform.config import module, resource

CONNECTOR = "modules/connector"


def test_dashboard_and_5xx_alarm_watch_this_workspace():
    dashboard = resource("modules/dashboard", "aws_cloudwatch_dashboard", "this")
    assert dashboard["dashboard_name"] == "${var.name}"
    alarm = resource("modules/dashboard", "aws_cloudwatch_metric_alarm", "api_5xx")
    assert (alarm["namespace"], alarm["metric_name"], alarm["threshold"]) == ("AWS/ApiGateway", "5XXError", 0)
    assert alarm["dimensions"] == {"ApiName": "${var.api_name}", "Stage": "${var.stage_name}"}
    wiring = module(CONNECTOR)["module"]["dashboard"]
    assert wiring["service_name"] == "${local.name}" and wiring["metrics_namespace"] == "${var.metrics_namespace}"
    assert wiring["api_5xx_alarm_actions"] == "${var.alarm_sns_topic_arns}"
    assert "dashboard_url" in module(CONNECTOR)["output"] and "dashboard_url" in module("")["output"]


def test_the_dashboard_shows_the_distributed_deliverys_executions():
    dashboard = resource("modules/dashboard", "aws_cloudwatch_dashboard", "this")
    assert "AWS/States" in str(module("modules/dashboard")["locals"]) and dashboard["dashboard_name"]
    assert module(CONNECTOR)["module"]["dashboard"]["state_machine_arn"] == "${module.distributed.state_machine_arn}"
