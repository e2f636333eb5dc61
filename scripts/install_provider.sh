#!/usr/bin/env bash
# Build the Terraform AWS provider from its Go module into a filesystem mirror (no release
# downloads): the apply suite (tests/apply) plans and applies our Terraform with it against moto.
# Usage: scripts/install_provider.sh TOOLS_DIR MODULE VERSION H1_HASH PROVIDER_VERSION
# The Go module proxy serves the provider's code as Upbound's fork at a pseudo-version; the checksum
# database has no entry for it, so the module's h1: hash is pinned here and compared before building.
# Where Go is absent it says so in one line and exits 0 (the apply suite then skips, saying why).
# Cold: about 1 minute of downloads (2.6 GB of modules) and about 20 minutes of compilation on two
# cores; with Go's build cache warm, about a minute (linking a 1.2 GB binary). Once built, the binary
# is kept in this machine's cache (PROVIDER_CACHE, default ~/.cache/ci360-s3-bulk-connector, keyed by
# the module, its hash and the Go toolchain), so another clone links it in instead of building.
# One line per step with its time; output in TOOLS_DIR/provider.log.
set -euo pipefail
tools=$1 module=$2 version=$3 pinned=$4 provider_version=$5
if ! command -v go >/dev/null 2>&1; then
  echo "Go is not installed: the AWS provider is not built and the Terraform apply suite is skipped"
  exit 0
fi
mkdir -p "$tools"
tools=$(cd "$tools" && pwd)
log="$tools/provider.log"
mirror="$tools/terraform-mirror"
binary="$mirror/registry.terraform.io/hashicorp/aws/$provider_version/linux_amd64/terraform-provider-aws_v$provider_version"
stamp="$binary.module"
if [ -x "$binary" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$module@$version $pinned" ]; then
  exit 0
fi

cache_root=${PROVIDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ci360-s3-bulk-connector}
key=$(printf '%s\n' "$module@$version $pinned" "$(go env GOVERSION GOOS GOARCH)" | sha256sum | cut -c1-16)
cached="$cache_root/terraform-provider-aws_v$provider_version-$key"
if [ -x "$cached" ]; then
  mkdir -p "$(dirname "$binary")"
  ln -f "$cached" "$binary" 2>/dev/null || cp "$cached" "$binary"
  echo "$module@$version $pinned" >"$stamp"
  echo "terraform-provider-aws $provider_version: built earlier on this machine (${cached/#"$HOME"/\~})"
  exit 0
fi

failed() {  # step
  echo "$1 failed; the last lines of ${log#"$PWD"/}:" >&2
  tail -n 20 "$log" >&2
  exit 1
}

started=$(date +%s)
info=$(GONOSUMDB=github.com/upbound GOFLAGS=-mod=mod go mod download -json "$module@$version" 2>>"$log") \
  || failed "downloading $module@$version"
sum=$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p' <<<"$info")
if [ "$sum" != "$pinned" ]; then
  echo "refusing to build $module@$version: its hash is $sum, pinned $pinned" >&2
  exit 1
fi
source_dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$info")
echo "downloaded the provider's module $version (hash checked) in $(($(date +%s) - started)) s"

# The module cache is read-only and the build writes go.sum entries: build in a writable copy.
started=$(date +%s)
work="$tools/provider-src"
rm -rf "$work"
cp -r "$source_dir" "$work"
chmod -R u+w "$work"
(cd "$work" && GOFLAGS=-mod=mod go mod download >>"$log" 2>&1) || failed "downloading the provider's dependencies"
echo "downloaded the provider's dependencies in $(($(date +%s) - started)) s"

started=$(date +%s)
echo "building terraform-provider-aws $provider_version (about 20 minutes on two cores the first time)…"
mkdir -p "$(dirname "$binary")"
(cd "$work" && GOFLAGS=-mod=mod go build -trimpath -o "$binary.tmp" . >>"$log" 2>&1) || failed "building the provider"
mv "$binary.tmp" "$binary"
echo "$module@$version $pinned" >"$stamp"
rm -rf "$work"
mkdir -p "$cache_root"
{ ln -f "$binary" "$cached.tmp.$$" 2>/dev/null || cp "$binary" "$cached.tmp.$$"; } && mv "$cached.tmp.$$" "$cached"
echo "built terraform-provider-aws $provider_version in $(($(date +%s) - started)) s (mirror ${mirror#"$PWD"/})"
