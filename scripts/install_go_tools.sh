#!/usr/bin/env bash
# Build the pinned Go tools from their Go modules (no release downloads): tflint, its AWS ruleset,
# terraform-docs, and AWS's Lambda Runtime Interface Emulator (the tests run the zip under it).
# Usage: scripts/install_go_tools.sh TOOLS_DIR TFLINT_VERSION RULESET_AWS_VERSION TERRAFORM_DOCS_VERSION RIE_VERSION [all|rie]
# With `rie`, only the emulator is built (what `make demo`, `make serve` and `make cold-start` run).
# Where Go is absent it says so in one line and exits 0, so `make lint`, `make docs` and `make test` go on.
# The first build takes minutes (module downloads, compilation): each tool's output goes to
# TOOLS_DIR/build.log, and one line per tool says what was built and how long it took.
set -euo pipefail
tools=$1 tflint_version=$2 aws_version=$3 docs_version=$4 rie_version=$5 which=${6:-all}
if ! command -v go >/dev/null 2>&1; then
  if [ "$which" = rie ]; then
    echo "Go is not installed: the Lambda runtime emulator is skipped (the zip runs in-process instead; install Go to run it)"
  else
    echo "Go is not installed: tflint, terraform-docs and the Lambda runtime emulator are skipped (install Go to run them)"
  fi
  exit 0
fi
mkdir -p "$tools/bin"
tools=$(cd "$tools" && pwd)
log="$tools/build.log"

# `go install module@version` first asks the proxy for the module's version list, which it refuses
# for some modules (403); the exact version downloads, and builds in its own folder.
build_from_module() {  # module version package output
  local source_dir
  source_dir=$(go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  mkdir -p "$(dirname "$4")"
  (cd "$source_dir" && GOFLAGS=-mod=mod go build -o "$4" "$3")
}

built() {  # name version started
  echo "built $1 $2 in $(($(date +%s) - $3)) s (output in ${log#"$PWD"/})"
}

failed() {  # name
  echo "building $1 failed; the last lines of ${log#"$PWD"/}:" >&2
  tail -n 20 "$log" >&2
  exit 1
}

# A stamp beside each binary records the version built (`tflint --version` would start, and leave
# behind, its bundled plugin process).
stamped() {  # binary version
  [ -x "$1" ] && [ "$(cat "$1.version" 2>/dev/null)" = "$2" ]
}

if [ "$which" = all ] && ! stamped "$tools/bin/tflint" "$tflint_version"; then
  started=$(date +%s)
  echo "building tflint $tflint_version from its Go module…"
  GOBIN="$tools/bin" go install "github.com/terraform-linters/tflint@$tflint_version" >>"$log" 2>&1 || failed tflint
  echo "$tflint_version" >"$tools/bin/tflint.version"
  built tflint "$tflint_version" "$started"
fi

plugin="$tools/tflint-plugins/github.com/terraform-linters/tflint-ruleset-aws/${aws_version#v}/tflint-ruleset-aws"
if [ "$which" = all ] && [ ! -x "$plugin" ]; then
  started=$(date +%s)
  echo "building tflint-ruleset-aws $aws_version from its Go module…"
  build_from_module github.com/terraform-linters/tflint-ruleset-aws "v${aws_version#v}" . "$plugin" >>"$log" 2>&1 \
    || failed tflint-ruleset-aws
  built tflint-ruleset-aws "$aws_version" "$started"
fi

if [ "$which" = all ] && ! stamped "$tools/bin/terraform-docs" "$docs_version"; then
  started=$(date +%s)
  echo "building terraform-docs $docs_version from its Go module…"
  build_from_module github.com/terraform-docs/terraform-docs "$docs_version" . "$tools/bin/terraform-docs" >>"$log" 2>&1 \
    || failed terraform-docs
  echo "$docs_version" >"$tools/bin/terraform-docs.version"
  built terraform-docs "$docs_version" "$started"
fi

rie="$tools/bin/aws-lambda-rie"
if ! stamped "$rie" "$rie_version"; then
  started=$(date +%s)
  echo "building aws-lambda-rie $rie_version from its Go module…"
  build_from_module github.com/aws/aws-lambda-runtime-interface-emulator "$rie_version" ./cmd/aws-lambda-rie "$rie" \
    >>"$log" 2>&1 || failed aws-lambda-rie
  echo "$rie_version" >"$rie.version"
  built aws-lambda-rie "$rie_version" "$started"
fi
