"""modules/api: the REST API, its key and usage plan, the request model, the stage's logs; which
optional resources exist evaluated by Terraform core."""

from __future__ import annotations

import json

import pytest

from devkit.terraform.config import TERRAFORM, block, module, resource
from devkit.terraform.evaluate import placeholder_inputs, value_of

API = "modules/api"
CONNECTOR = "modules/connector"


def inputs(**values):
    return {**placeholder_inputs(API), **values}


def test_rest_api_method_requires_api_key_and_proxies_to_lambda():
    assert block(resource(API, "aws_api_gateway_rest_api", "this")["endpoint_configuration"])["types"] == ["REGIONAL"]
    assert module(API)["variable"]["resource_path"]["default"] == "upload"
    method = resource(API, "aws_api_gateway_method", "post")
    assert method["http_method"] == "POST" and method["api_key_required"] is True
    assert method["request_validator_id"] == "${aws_api_gateway_request_validator.body.id}"
    integration = resource(API, "aws_api_gateway_integration", "lambda")
    assert integration["type"] == "AWS_PROXY" and integration["integration_http_method"] == "POST"
    assert integration["uri"] == "${var.function_invoke_arn}"


def test_request_model_requires_presigned_urls_and_send_parameters():
    assert resource(API, "aws_api_gateway_request_validator", "body")["validate_request_body"] is True
    assert resource(API, "aws_api_gateway_model", "bulk_request")["schema"] == (
        '${file("${path.module}/bulk_request.schema.json")}'
    )
    schema = json.loads((TERRAFORM / API / "bulk_request.schema.json").read_text())
    assert schema["required"] == ["presignedUrls", "sendParameters"]
    assert schema["properties"]["presignedUrls"]["required"] == ["dataFile"]
    assert schema["properties"]["sendParameters"]["required"] == ["s3_filename"]


def test_deployment_redeploys_on_change_and_stage_logs_safely():
    deployment = resource(API, "aws_api_gateway_deployment", "this")
    assert "sha1(jsonencode" in deployment["triggers"]["redeployment"]
    assert block(deployment["lifecycle"])["create_before_destroy"] is True
    stage = resource(API, "aws_api_gateway_stage", "this")
    assert module(CONNECTOR)["module"]["api"]["stage_name"] == "${var.stage_name}"
    assert stage["xray_tracing_enabled"] is True
    access = block(stage["access_log_settings"])
    assert access["destination_arn"] == "${aws_cloudwatch_log_group.access.arn}"
    assert "$context.requestId" in access["format"] and "body" not in access["format"].lower()
    settings = block(resource(API, "aws_api_gateway_method_settings", "all")["settings"])
    assert settings["data_trace_enabled"] is False
    assert settings["throttling_rate_limit"] == "${var.throttle_rate_limit}"


@pytest.mark.parametrize(("quota", "settings"), [(0, []), (1000, [1000])])
def test_usage_plan_binds_stage_and_key_and_sets_a_quota_only_when_asked(quota, settings):
    plan = resource(API, "aws_api_gateway_usage_plan", "this")
    assert block(plan["api_stages"]) == {
        "api_id": "${aws_api_gateway_rest_api.this.id}",
        "stage": "${aws_api_gateway_stage.this.stage_name}",
    }
    assert block(plan["throttle_settings"])["rate_limit"] == "${var.throttle_rate_limit}"
    (quota_block,) = plan["dynamic"]
    assert value_of(API, quota_block["quota_settings"]["for_each"], inputs(quota_per_day=quota)) == settings
    key = resource(API, "aws_api_gateway_usage_plan_key", "ci360")
    assert key == {
        "key_id": "${aws_api_gateway_api_key.ci360.id}",
        "key_type": "API_KEY",
        "usage_plan_id": "${aws_api_gateway_usage_plan.this.id}",
    }


def test_lambda_permission_is_scoped_to_this_method():
    permission = resource(API, "aws_lambda_permission", "api")
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["source_arn"] == (
        "${aws_api_gateway_rest_api.this.execution_arn}/${aws_api_gateway_stage.this.stage_name}/"
        "${aws_api_gateway_method.post.http_method}${aws_api_gateway_resource.upload.path}"
    )


EXECUTION_ARN = {"aws_api_gateway_rest_api.this.execution_arn": '"arn:aws:execute-api:eu-west-1:111122223333:a1b2c3"'}


def source_policy(cidrs):
    text = value_of(API, "${local.source_policy}", inputs(allowed_source_cidrs=cidrs), EXECUTION_ARN,
                    local_names=("invoke_arn_pattern", "source_policy"))  # fmt: skip
    return json.loads(text)


@pytest.mark.parametrize("cidrs", [[], ["203.0.113.0/24"]])
def test_allowed_source_cidrs_deny_other_addresses_and_an_empty_list_allows_any(cidrs):
    statements = source_policy(cidrs)["Statement"]
    invoke = "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3/*"
    assert statements[0] == {
        "Sid": "InvokeTheWebhook", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
        "Resource": invoke,
    }  # fmt: skip
    denied = [s for s in statements if s["Effect"] == "Deny"]
    assert denied == ([{
        "Sid": "OnlyFromAllowedSources", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
        "Resource": invoke, "Condition": {"NotIpAddress": {"aws:SourceIp": cidrs}},
    }] if cidrs else [])  # fmt: skip
    assert module(CONNECTOR)["module"]["api"]["allowed_source_cidrs"] == "${var.allowed_source_cidrs}"


def test_a_change_of_allowed_source_cidrs_is_an_update_in_place_that_the_next_deployment_serves():
    """Issue 26, item 6: one policy resource, always there (no count from the list: a list from the
    same apply has no length at plan), its document in the deployment's trigger, and the deployment
    made after the policy is updated (it is create_before_destroy: with a policy destroyed instead,
    the new deployment would still serve the Deny)."""
    attached = resource(API, "aws_api_gateway_rest_api_policy", "source_ips")
    assert "count" not in attached and "for_each" not in attached
    assert attached["policy"] == "${local.source_policy}"
    deployment = resource(API, "aws_api_gateway_deployment", "this")
    assert "local.source_policy" in deployment["triggers"]["redeployment"]
    assert deployment["depends_on"] == ["${aws_api_gateway_rest_api_policy.source_ips}"]
    assert source_policy([]) != source_policy(["203.0.113.0/24"])
    (moved,) = module(API)["moved"]["_blocks"]
    assert moved == {"from": "${aws_api_gateway_rest_api_policy.source_ips[0]}",
                     "to": "${aws_api_gateway_rest_api_policy.source_ips}"}  # fmt: skip


def test_the_deployment_trigger_hashes_no_whole_resource():
    """A whole resource in the hash carries computed attributes, unknown until the apply: the
    trigger then changes after every apply and the next plan replaces the deployment (issue 25)."""
    trigger = resource(API, "aws_api_gateway_deployment", "this")["triggers"]["redeployment"]
    items = trigger.removeprefix("${sha1(jsonencode([").removesuffix("]))}").split(", ")
    assert items and all(item.count(".") >= 2 or item.startswith("local.") for item in items), items


@pytest.mark.parametrize("attach", [True, False])
def test_the_web_acl_is_associated_only_when_asked(attach):
    association = resource(API, "aws_wafv2_web_acl_association", "stage")
    assert value_of(API, association["count"], inputs(attach_waf_web_acl=attach)) == (1 if attach else 0)
