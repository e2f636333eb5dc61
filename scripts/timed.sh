#!/usr/bin/env bash
# Run a command and say how long it took, in one line after its output: `timed.sh LABEL COMMAND…`.
# `make test` times each phase with it (venvs, Go tools, the AWS provider, the checks, the suites),
# so a run's log shows where its minutes went. The command's exit status is kept.
label=$1
shift
started=$(date +%s)
status=0
"$@" || status=$?
echo "[time] $label: $(($(date +%s) - started)) s$([ "$status" -ne 0 ] && echo " (failed, exit $status)")"
exit "$status"
