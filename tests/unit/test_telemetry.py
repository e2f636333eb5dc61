"""The request's metrics: one EMF document when there are metrics, nothing (and no warning) when not."""

from __future__ import annotations

import json
import warnings

from s3_bulk_upload import telemetry


def test_an_invocation_without_metrics_writes_nothing_and_warns_nothing(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Powertools' "No application metrics to publish" would raise
        telemetry.flush()
    assert capsys.readouterr().out == ""


def test_a_counted_request_writes_one_document(capsys, monkeypatch):
    monkeypatch.delenv(telemetry.NAMESPACE_VARIABLE, raising=False)
    telemetry.counted("Duplicates")
    telemetry.flush()
    (line,) = capsys.readouterr().out.splitlines()
    document = json.loads(line)
    assert document["Duplicates"] == [1.0] or document["Duplicates"] == 1.0
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == telemetry.DEFAULT_NAMESPACE
