#!/usr/bin/env bash
# make_fmnist_slice.sh OUT_DIR TRAIN_COUNT TEST_COUNT: writes the first TRAIN_COUNT training
# and TEST_COUNT test samples of Debian's Fashion-MNIST as plain IDX files in OUT_DIR, for
# end-to-end tests that train for real in a few seconds.
# No -e/pipefail: `zcat | head` ends zcat with SIGPIPE by design; the sizes are checked below.
set -u
out=$1 train=$2 test=$3
fm=/usr/share/datasets/fashion-mnist
mkdir -p "$out"
slice() {  # slice SRC DST HEADER_BYTES COUNT ITEM_BYTES: the header with the count replaced
  local src=$1 dst=$2 header=$3 count=$4 item=$5
  { zcat "$src" | head -c 4
    printf "%08x" "$count" | xxd -r -p
    zcat "$src" | head -c "$header" | tail -c +9
    zcat "$src" | tail -c +$((header + 1)) | head -c $((count * item)); } > "$dst"
}
slice $fm/train-images-idx3-ubyte.gz "$out/train-images-idx3-ubyte" 16 "$train" 784
slice $fm/train-labels-idx1-ubyte.gz "$out/train-labels-idx1-ubyte" 8 "$train" 1
slice $fm/t10k-images-idx3-ubyte.gz "$out/t10k-images-idx3-ubyte" 16 "$test" 784
slice $fm/t10k-labels-idx1-ubyte.gz "$out/t10k-labels-idx1-ubyte" 8 "$test" 1
check() {  # check FILE BYTES
  local size
  size=$(stat -c %s "$1" 2>/dev/null || echo 0)
  [ "$size" -eq "$2" ] || { echo "make_fmnist_slice.sh: $1 has $size bytes, expected $2" >&2; exit 1; }
}
check "$out/train-images-idx3-ubyte" $((16 + train * 784))
check "$out/train-labels-idx1-ubyte" $((8 + train))
check "$out/t10k-images-idx3-ubyte" $((16 + test * 784))
check "$out/t10k-labels-idx1-ubyte" $((8 + test))
