#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the default training job need.
# Idempotent: a second run installs nothing and takes a second or two.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap bazel-rules-java          # Bazel 4.2.3, WORKSPACE mode
  g++ pkg-config zlib1g-dev                 # toolchain, library discovery, gzip IDX files
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libgtest-dev libgmock-dev                 # GoogleTest 1.12
  libgloo-dev                               # CPU collectives
  libopenblas-dev                           # CPU BLAS (cblas.h)
  dataset-fashion-mnist                     # default training data
  iproute2                                  # network-namespace cluster test
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
