"""sync, async or distributed: by mode, by size, and only what can be split is split."""

from __future__ import annotations

import pytest

from s3_bulk_upload.config import Config
from s3_bulk_upload.routes import choose, needs_probe
from s3_bulk_upload.source_answers import FileIdentity

ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:ci360"
GIB = 1024**3


def config(**values) -> Config:
    return Config(bucket="b", state_machine_arn=ARN, **values)


@pytest.mark.parametrize(
    ("size", "route"),
    [(1, "sync"), (512 * 1024**2, "async"), (32 * GIB - 1, "async"), (32 * GIB, "distributed")],
)
def test_auto_chooses_by_size(size, route):
    assert choose(config(), FileIdentity('"e"', size)) == route


def test_auto_never_goes_distributed_without_a_state_machine():
    assert choose(Config(bucket="b"), FileIdentity('"e"', 100 * GIB)) == "async"


@pytest.mark.parametrize(
    "identity",
    [
        FileIdentity(None, 100 * GIB),
        FileIdentity('"e"', None),
        FileIdentity('"e"', 0),
        FileIdentity('"e"', GIB, "gzip"),
    ],
)
def test_a_file_that_cannot_be_split_safely_goes_the_single_way(identity):
    assert choose(config(delivery_mode="distributed"), identity) in ("async", "sync")
    assert choose(config(), identity) != "distributed"


def test_forced_modes_need_no_probe_but_distributed_does():
    assert not needs_probe(config(delivery_mode="sync")) and not needs_probe(config(delivery_mode="async"))
    assert needs_probe(config(delivery_mode="distributed")) and needs_probe(config())
    assert choose(config(delivery_mode="distributed"), FileIdentity('"e"', 10)) == "distributed"
