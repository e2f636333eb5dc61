"""The entry point: the function loads with the garbage collector paused, what it loaded is frozen,
and the collector is left as it was found. Each case imports it in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import gc
{before}
collections = []
gc.callbacks.append(lambda phase, info: collections.append(phase) if phase == "start" else None)
import s3_bulk_upload.handler as handler
print(len(collections), gc.isenabled(), gc.get_freeze_count() > 0, callable(handler.lambda_handler))
"""


def after_import(before: str = "") -> list[str]:
    probe = PROBE.format(before=before)
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()


def test_no_collection_runs_while_the_function_loads_and_the_collector_is_on_after_it():
    collections, enabled, frozen, loaded = after_import()
    # Without the pause: about 90 while boto3 and the rest load. Finding the package and the module
    # (before the pause starts) may allocate enough for one.
    assert int(collections) <= 2
    assert (enabled, frozen, loaded) == ("True", "True", "True")


def test_a_collector_that_was_off_stays_off():
    assert after_import("gc.disable()")[1:] == ["False", "True", "True"]
