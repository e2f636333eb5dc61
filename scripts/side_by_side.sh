#!/usr/bin/env bash
# Run two shell commands at the same time: `side_by_side.sh LOG BESIDE MAIN`.
# MAIN's output streams as usual; BESIDE's goes to LOG and is printed once both have ended (two
# live streams would interleave line by line). Both run to their end (each one's failures are
# reported); the exit status is MAIN's if it failed, else BESIDE's.
# `make test` runs the apply suite (mostly the provider waiting on moto) beside the builds pytest
# needs and pytest (mostly CPU): side by side they take about the time of the longer.
# BESIDE runs in a process group of its own, which Ctrl-C or SIGTERM to this script ends whole.
set -uo pipefail
log=$1 beside=$2 main=$3
mkdir -p "$(dirname "$log")"
setsid bash -c "$beside" >"$log" 2>&1 </dev/null &
beside_pid=$!
echo "started beside what follows: $beside (its output: ${log#"$PWD"/}, printed after)"

stop_beside() {
  kill -TERM -- "-$beside_pid" 2>/dev/null || return 0
  wait "$beside_pid" 2>/dev/null
}
trap 'stop_beside; exit 130' INT
trap 'stop_beside; exit 143' TERM
# When its output is piped (`make test | tee log`), Ctrl-C ends the reader too, and bash's report
# of MAIN's end would then kill this script with SIGPIPE before the traps above stop BESIDE. Only
# this script ignores it: MAIN starts with the default again.
trap '' PIPE

main_status=0
(trap - PIPE; exec bash -c "$main") || main_status=$?
beside_status=0
wait "$beside_pid" || beside_status=$?
echo "--- output of: $beside"
cat "$log"
[ "$main_status" -ne 0 ] && exit "$main_status"
exit "$beside_status"
