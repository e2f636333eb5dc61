"""The hand-off event: a validated plan round-trips; API Gateway events can never pose as one."""

from __future__ import annotations

import json

import pytest

from devkit.events import proxy_event
from s3_bulk_upload.errors import DestinationError
from s3_bulk_upload.handoff import HANDOFF_KEY, Plan, handoff_event, is_handoff, parse_handoff, send
from s3_bulk_upload.task import Task

PLAN = Plan(
    key="ci360/a.csv", data_url="https://h/d", metadata_url="https://h/m", include_header=True, task=Task(task_id="t")
)


def test_plan_round_trips_through_the_event():
    event = json.loads(json.dumps(handoff_event(PLAN, "req-1")))
    assert is_handoff(event)
    assert parse_handoff(event) == (PLAN, "req-1")


def test_an_api_gateway_event_is_never_a_hand_off():
    event = proxy_event({})
    event.update(handoff_event(PLAN, "req-1"))
    assert not is_handoff(event)


@pytest.mark.parametrize(
    "document",
    [
        {"version": 2, "plan": {}},
        {"version": 1},
        {"version": 1, "plan": {"key": 7, "data_url": "https://h/d", "metadata_url": None, "include_header": True}},
        {"version": 1, "plan": {"key": "a", "data_url": "https://h/d", "metadata_url": None, "include_header": "yes"}},
    ],
)
def test_malformed_hand_offs_are_refused(document):
    with pytest.raises((ValueError, TypeError)):
        parse_handoff({HANDOFF_KEY: document})


class RecordingLambda:
    def __init__(self, answer=None, error=None):
        self.answer, self.error, self.calls = answer or {"StatusCode": 202}, error, []

    def invoke(self, **kwargs):
        self.calls.append(kwargs)
        if self.error:
            raise self.error
        return self.answer


def test_send_invokes_itself_asynchronously():
    client = RecordingLambda()
    send(client, "arn:fn", handoff_event(PLAN, "r"))  # type: ignore[arg-type]
    assert client.calls[0]["FunctionName"] == "arn:fn" and client.calls[0]["InvocationType"] == "Event"


@pytest.mark.parametrize(
    "client", [RecordingLambda(answer={"StatusCode": 200}), RecordingLambda(error=RuntimeError("https://h/d?sig=1"))]
)
def test_a_failed_send_is_a_destination_error_without_the_payload(client):
    with pytest.raises(DestinationError) as raised:
        send(client, "arn:fn", handoff_event(PLAN, "r"))
    assert "https://h" not in raised.value.message and raised.value.__cause__ is None
