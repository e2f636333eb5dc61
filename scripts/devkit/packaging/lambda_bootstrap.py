"""Run the function the way Lambda's Python runtime does, for tests of the built artifact.

Standard library only: it runs in an interpreter whose path is the unpacked zip followed by
a runtime-like SDK folder (PYTHONPATH, with -S -P so nothing else is on it). Imports the
handler (the runtime's INIT), says ``ready`` on standard error, then reads one invocation,
``{"event": ..., "remaining_ms": ...}``, from standard input; the function's
logs go to standard output (and, through the root handler, standard error), its answer
(or ``{"raised": "..."}``) to standard output, as the last line.
"""

import json
import logging
import sys
import time
import types
import uuid


def main() -> None:
    from s3_bulk_upload.handler import lambda_handler  # the runtime's INIT: before any event

    print("ready", file=sys.stderr, flush=True)
    invocation = json.load(sys.stdin)
    logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))  # as the runtime's own handler
    started = time.monotonic()
    remaining_ms = int(invocation.get("remaining_ms", 900_000))
    context = types.SimpleNamespace(
        aws_request_id=str(uuid.uuid4()),
        function_name="ci360-s3-bulk-upload-artifact",
        function_version="$LATEST",
        memory_limit_in_mb=1769,
        invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:ci360-s3-bulk-upload-artifact",
        get_remaining_time_in_millis=lambda: remaining_ms - int((time.monotonic() - started) * 1000),
    )
    try:
        answer = lambda_handler(invocation["event"], context)
    except Exception as exc:  # an asynchronous run raises: Lambda records the error
        answer = {"raised": str(exc)}
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
