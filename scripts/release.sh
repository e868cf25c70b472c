#!/usr/bin/env bash
# Builds the krew archives and writes the krew manifest for them.
#
#   scripts/release.sh OUT_DIR [OS/ARCH=BINARY ...]
#
# Each OS/ARCH (linux/amd64, linux/arm64, darwin/amd64, darwin/arm64) gets
# OUT_DIR/kubectl-sagemaker_vVERSION_OS_ARCH.tar.gz holding the plugin, the
# kubectl_complete-sagemaker helper, LICENSE and README.md; OUT_DIR/sagemaker.yaml
# is krew/sagemaker.yaml with this version, and each archive's URI and sha256
# (a platform not built is left out of it).
# Without OS/ARCH=BINARY pairs, every platform is built with
# `cargo build --release --target ...` (the toolchain must have those targets:
# CI builds the darwin ones on macOS runners and passes the binaries in).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:?usage: scripts/release.sh OUT_DIR [OS/ARCH=BINARY ...]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=v$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
repo=$(sed -n 's/^repository = "\(.*\)"$/\1/p' Cargo.toml | head -1)

declare -A rust_target=(
    [linux/amd64]=x86_64-unknown-linux-musl [linux/arm64]=aarch64-unknown-linux-musl
    [darwin/amd64]=x86_64-apple-darwin [darwin/arm64]=aarch64-apple-darwin
)
declare -A binary=()
if [[ $# -eq 0 ]]; then
    for platform in "${!rust_target[@]}"; do
        target=${rust_target[$platform]}
        cargo build --locked --release -p kubectl-sagemaker --target "$target"
        binary[$platform]=${CARGO_TARGET_DIR:-target}/$target/release/kubectl-sagemaker
    done
else
    for pair in "$@"; do
        platform=${pair%%=*}
        [[ -n ${rust_target[$platform]:-} ]] || { echo "error: unknown platform $platform (use linux/amd64, linux/arm64, darwin/amd64 or darwin/arm64)" >&2; exit 2; }
        binary[$platform]=${pair#*=}
    done
fi

# the helper is a script, the same everywhere: any binary this machine runs prints it
helper=""
for bin in "${binary[@]}"; do
    if helper=$("$bin" completion kubectl 2>/dev/null); then break; fi
done
[[ -n $helper ]] || { echo "error: none of the binaries runs here, so the completion helper cannot be written" >&2; exit 2; }

# the committed manifest without its header, for this version
manifest="# Written by scripts/release.sh for $version: copy to krew/sagemaker.yaml and to krew-index."$'\n'
manifest+=$(sed '/^#/d' krew/sagemaker.yaml)
manifest=${manifest//v0.1.0/$version}
for platform in "${!binary[@]}"; do
    os=${platform%/*} arch=${platform#*/}
    name=kubectl-sagemaker_${version}_${os}_${arch}
    stage=$(mktemp -d)
    install -m 0755 "${binary[$platform]}" "$stage/kubectl-sagemaker"
    printf '%s\n' "$helper" > "$stage/kubectl_complete-sagemaker"
    chmod 0755 "$stage/kubectl_complete-sagemaker"
    cp LICENSE README.md "$stage/"
    # reproducible archive: fixed order, owner and times
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -cf - . | gzip -n > "$out/$name.tar.gz"
    rm -rf "$stage"
    sum=$(sha256sum "$out/$name.tar.gz" | cut -d' ' -f1)
    uri="$repo/releases/download/$version/$name.tar.gz"
    # the sha256 line right after this platform's uri
    manifest=$(printf '%s\n' "$manifest" | awk -v uri="$uri" -v sum="$sum" -v file="$name.tar.gz" '
        index($0, "uri: ") && index($0, file) { print "    uri: " uri; fix = 1; next }
        fix && index($0, "sha256: ") { print "    sha256: \"" sum "\""; fix = 0; next }
        { print }')
    echo "$out/$name.tar.gz $sum"
done
# a platform not built this time is left out rather than published with a placeholder checksum
zeros=$(printf '0%.0s' $(seq 64))
printf '%s\n' "$manifest" | awk -v zeros="sha256: \"$zeros\"" '
    /^  - selector:/ { if (block != "" && !zero) printf "%s", block; block = ""; zero = 0; inblock = 1 }
    inblock { block = block $0 "\n"; if (index($0, zeros)) zero = 1; next }
    { print }
    END { if (block != "" && !zero) printf "%s", block }' > "$out/sagemaker.yaml"
echo "$out/sagemaker.yaml"
