"""The benchmark measures the function as Terraform deploys it (its runtime environment)."""

from __future__ import annotations

from devkit.bench.memory import child_environment, lambda_runtime_environment, peak_rss_table, rss_target


def test_the_function_runs_with_one_malloc_arena():
    """glibc's arenas per thread held 70-120 MiB of freed buffers (docs/performance.md, *Peak memory*)."""
    assert lambda_runtime_environment() == {"MALLOC_ARENA_MAX": "1"}


def test_the_bench_runs_the_handler_in_the_functions_environment_and_one_contender_without():
    assert child_environment("handler", {"A": "1"}) == {"A": "1", "MALLOC_ARENA_MAX": "1"}
    assert child_environment("handler_gz", {})["MALLOC_ARENA_MAX"] == "1"
    assert "MALLOC_ARENA_MAX" not in child_environment("handler_malloc_default", {})
    assert "MALLOC_ARENA_MAX" not in child_environment("original", {})


def test_the_peak_memory_target_is_the_highest_handler_run_at_any_size():
    results = [
        {"size_mib": 256, "contender": "handler", "peak_rss_mib": 200.0, "rounds": 3},
        {"size_mib": 4096, "contender": "handler_gz", "peak_rss_mib": 257.0, "rounds": 1},
        {"size_mib": 256, "contender": "handler_malloc_default", "peak_rss_mib": 280.0, "rounds": 3},
    ]
    assert rss_target(results) == (
        "| peak RSS ≤ 256 MiB at every size (256, 4096 MiB) | 257 MiB (highest, 4096 MiB handler_gz) | **missed** |"
    )
    assert "| 4096 MiB | – | 257 | – | 1 |" in peak_rss_table(results)
