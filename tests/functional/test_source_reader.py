"""The source reader on its own: timeouts are transient failures, retried or resumed."""

from __future__ import annotations

import pytest

from devkit.local.staging import Behaviour
from s3_bulk_upload.deadline import Deadline
from s3_bulk_upload.errors import UpstreamError
from s3_bulk_upload.source import SourceFile
from s3_bulk_upload.source_session import RetryPolicy, make_session

DATA = bytes(range(256)) * 4096  # 1 MiB


def reader(url: str, retries: int = 3) -> SourceFile:
    policy = RetryPolicy(max_retries=retries, backoff_seconds=0, connect_timeout=2, read_timeout=0.3)
    return SourceFile(make_session(policy), url, "data file", policy, sleep=lambda _: None)


def test_a_response_that_times_out_before_its_headers_is_retried(staging):
    url = staging.put("/d.csv", DATA, Behaviour(stall_seconds=1.0, stall_times=1))
    source = reader(url)
    assert b"".join(source.chunks()) == DATA
    assert len(staging.gets("/d.csv")) == 2


def test_a_body_that_stalls_mid_stream_is_resumed_from_the_last_byte_delivered(staging):
    data = DATA * 4
    url = staging.put("/d.csv", data, Behaviour(stall_seconds=1.0, stall_after=2_621_440, stall_times=1))
    source = reader(url)
    assert b"".join(source.chunks()) == data
    assert source.resumes == 1
    # Every byte that arrived before the stall is kept: the resume asks for the rest only.
    assert staging.gets("/d.csv")[1]["range"] == "bytes=2621440-"


def test_a_source_that_never_answers_in_time_is_an_upstream_error(staging):
    url = staging.put("/d.csv", DATA, Behaviour(stall_seconds=1.0, stall_times=10))
    with pytest.raises(UpstreamError) as raised:
        b"".join(reader(url, retries=1).chunks())
    # In words a CI360 admin reads, not the HTTP library's exception names.
    assert raised.value.message == (
        "data file: could not fetch from 127.0.0.1: could not connect, or the connection was dropped (after 1 retries)"
    )
    assert "Error" not in raised.value.message


def test_probe_size_uses_a_one_byte_range(staging):
    url = staging.put("/d.csv", DATA)
    assert reader(url).probe_size() == len(DATA)
    assert staging.gets("/d.csv")[0]["range"] == "bytes=0-0"


def test_probe_size_when_range_is_ignored_reads_content_length(staging):
    url = staging.put("/d.csv", DATA, Behaviour(honour_range=False))
    assert reader(url).probe_size() == len(DATA)


@pytest.mark.parametrize("status", [301, 302, 307])
def test_redirects_are_not_followed(staging, status):
    url = staging.put("/d.csv", DATA, Behaviour(status=status))
    with pytest.raises(UpstreamError, match=f"answered HTTP {status}"):
        b"".join(reader(url).chunks())
    assert len(staging.gets("/d.csv")) == 1


def test_resume_asks_for_the_same_file_and_refuses_a_replaced_one(staging):
    behaviour = Behaviour(drop_after=1_500_000, drop_times=1)
    url = staging.put("/d.csv", DATA * 2, behaviour)
    source = reader(url)
    chunks = source.chunks()
    first = next(chunks)
    staging.files["/d.csv"].content = b"Z" * len(DATA * 2)  # CI360 re-staged the file meanwhile
    with pytest.raises(UpstreamError, match="changed during the transfer"):
        b"".join([first, *chunks])
    resume = staging.gets("/d.csv")[1]
    assert resume["range"] == "bytes=1500000-" and resume["if_match"].startswith('"')


def test_resume_refuses_a_file_whose_size_changed_under_the_same_etag(staging):
    url = staging.put("/d.csv", DATA * 2, Behaviour(drop_after=1_500_000, drop_times=1))
    served = staging.files["/d.csv"]
    served.fixed_etag = served.etag  # a server whose ETag does not follow the content
    source = reader(url)
    chunks = source.chunks()
    first = next(chunks)
    served.content = DATA * 3
    with pytest.raises(UpstreamError, match=r"changed during the transfer \(its ETag or size differs\)"):
        b"".join([first, *chunks])


def test_resume_checks_the_deadline_before_waiting(staging):
    from s3_bulk_upload.errors import DeadlineExceeded

    url = staging.put("/d.csv", DATA * 2, Behaviour(drop_after=1_500_000, drop_times=1))
    policy = RetryPolicy(max_retries=3, backoff_seconds=0)
    slept: list[float] = []
    source: SourceFile

    def remaining_ms() -> int:  # spent once the connection has dropped
        return 60_000 if source.bytes_read < 1_500_000 else -1

    deadline = Deadline(remaining_ms, reserve_seconds=0)
    source = SourceFile(make_session(policy), url, "data file", policy, sleep=slept.append, deadline=deadline)
    with pytest.raises(DeadlineExceeded):
        b"".join(source.chunks())
    assert slept == []
    assert len(staging.gets("/d.csv")) == 1
