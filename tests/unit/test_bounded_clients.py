"""Clients for the calls after the transfer: every attempt ends before the deadline."""

from __future__ import annotations

import math
from typing import Any

import pytest
from botocore.stub import Stubber

from s3_bulk_upload.bounded_clients import (
    CONNECT_SECONDS,
    MAX_ATTEMPTS,
    READ_SECONDS,
    NoTimeLeft,
    bounded_client,
    bounded_config,
)
from s3_bulk_upload.deadline import Deadline


def deadline(seconds_left: float) -> Deadline:
    return Deadline(lambda: int(seconds_left * 1000), reserve_seconds=0)


@pytest.mark.parametrize("left", [0.05, 1.0, 7.5, 30.0, 300.0, math.inf])
def test_the_attempts_fit_in_the_time_left(left):
    config: Any
    config, attempt_seconds = bounded_config(deadline(left) if left != math.inf else Deadline.unbounded())
    attempts = config.retries["total_max_attempts"]
    assert attempt_seconds == config.connect_timeout + config.read_timeout
    assert config.connect_timeout <= CONNECT_SECONDS and config.read_timeout <= READ_SECONDS
    assert 1 <= attempts <= MAX_ATTEMPTS
    if 1.0 <= left < math.inf:
        assert attempt_seconds <= left / 2 and attempts * attempt_seconds <= left


def test_an_attempt_that_would_outlast_the_deadline_is_not_started(aws_env):
    left = [10.0]
    client = bounded_client("glue", Deadline(lambda: int(left[0] * 1000), reserve_seconds=0))
    with Stubber(client) as stubber:
        stubber.add_response("get_databases", {"DatabaseList": []})
        assert client.get_databases()["DatabaseList"] == []  # time enough: the (stubbed) call is made
    left[0] = 1.0  # less than one attempt (connect + read) takes
    with pytest.raises(NoTimeLeft):
        client.get_databases()
