#!/usr/bin/env bash
# Install the pinned tflint and tflint-ruleset-aws from their Go modules (no release downloads).
# Usage: scripts/install_go_tools.sh TOOLS_DIR TFLINT_VERSION RULESET_AWS_VERSION
# Where Go is absent it says so in one line and exits 0, so `make lint` and `make test` go on.
set -euo pipefail
tools=$1 tflint_version=$2 aws_version=$3
if ! command -v go >/dev/null 2>&1; then
  echo "Go is not installed: tflint is skipped (install Go to lint Terraform with the AWS ruleset)"
  exit 0
fi
mkdir -p "$tools/bin"
tools=$(cd "$tools" && pwd)

if ! "$tools/bin/tflint" --version 2>/dev/null | grep -q "version ${tflint_version#v}"; then
  echo "building tflint $tflint_version from its Go module"
  GOBIN="$tools/bin" go install "github.com/terraform-linters/tflint@$tflint_version"
fi

plugin="$tools/tflint-plugins/github.com/terraform-linters/tflint-ruleset-aws/${aws_version#v}/tflint-ruleset-aws"
if [ ! -x "$plugin" ]; then
  echo "building tflint-ruleset-aws $aws_version from its Go module"
  # `go install module@version` first asks the proxy for the module's version list, which it
  # refuses for this module (403); the exact version downloads and builds.
  source_dir=$(go mod download -json "github.com/terraform-linters/tflint-ruleset-aws@v${aws_version#v}" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  mkdir -p "$(dirname "$plugin")"
  (cd "$source_dir" && GOFLAGS=-mod=mod go build -o "$plugin" .)
fi
