#!/usr/bin/env bash
# Run tflint over each folder given, leaving nothing behind.
# Usage: scripts/tflint.sh TFLINT PLUGIN_DIR CONFIG DIR...
# tflint 0.61 with --recursive exits without ending its bundled plugin process
# (`tflint --act-as-bundled-plugin`), which keeps a plugin socket folder under TMPDIR: each run
# gets a session of its own (setsid) and a TMPDIR of its own; what is left of either afterwards
# is ended and removed.
set -uo pipefail
tflint=$1 plugins=$2 config=$3
shift 3
status=0
for dir in "$@"; do
  tmp=$(mktemp -d)
  TMPDIR=$tmp TFLINT_PLUGIN_DIR=$plugins setsid "$tflint" --chdir="$dir" --recursive --config="$config" &
  leader=$!  # a background job is no group leader, so setsid does not fork: this is the session's id
  wait "$leader" || status=$?
  kill -TERM -- "-$leader" 2>/dev/null || true
  rm -rf "$tmp"
  [ "$status" -eq 0 ] || exit "$status"
done
echo "tflint: no issues"
