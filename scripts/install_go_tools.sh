#!/usr/bin/env bash
# Install the pinned tflint, tflint-ruleset-aws and terraform-docs from their Go modules (no
# release downloads).
# Usage: scripts/install_go_tools.sh TOOLS_DIR TFLINT_VERSION RULESET_AWS_VERSION TERRAFORM_DOCS_VERSION
# Where Go is absent it says so in one line and exits 0, so `make lint`, `make docs` and `make test` go on.
set -euo pipefail
tools=$1 tflint_version=$2 aws_version=$3 docs_version=$4
if ! command -v go >/dev/null 2>&1; then
  echo "Go is not installed: tflint and terraform-docs are skipped (install Go to run them)"
  exit 0
fi

# `go install module@version` first asks the proxy for the module's version list, which it refuses
# for some modules (403); the exact version downloads, and builds in its own folder.
build_from_module() {  # module version output
  local source_dir
  source_dir=$(go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  mkdir -p "$(dirname "$3")"
  (cd "$source_dir" && GOFLAGS=-mod=mod go build -o "$3" .)
}
mkdir -p "$tools/bin"
tools=$(cd "$tools" && pwd)

if ! "$tools/bin/tflint" --version 2>/dev/null | grep -q "version ${tflint_version#v}"; then
  echo "building tflint $tflint_version from its Go module"
  GOBIN="$tools/bin" go install "github.com/terraform-linters/tflint@$tflint_version"
fi

plugin="$tools/tflint-plugins/github.com/terraform-linters/tflint-ruleset-aws/${aws_version#v}/tflint-ruleset-aws"
if [ ! -x "$plugin" ]; then
  echo "building tflint-ruleset-aws $aws_version from its Go module"
  build_from_module github.com/terraform-linters/tflint-ruleset-aws "v${aws_version#v}" "$plugin"
fi

if ! "$tools/bin/terraform-docs" --version 2>/dev/null | grep -q "version $docs_version "; then
  echo "building terraform-docs $docs_version from its Go module"
  build_from_module github.com/terraform-docs/terraform-docs "$docs_version" "$tools/bin/terraform-docs"
fi
