#!/usr/bin/env bash
# Real data, real training: the reference model (784-100-10 ReLU, He init, SGD lr 0.1, batch
# 100) reaches >= 0.82 test accuracy on Fashion-MNIST after 2 epochs, so a regression in any
# op, layer, loss or the loop fails CI.
set -uo pipefail
out=$("$1" --standalone --epochs=2 --log_interval=100 2>&1) || { echo "FAIL: $out"; exit 1; }
echo "$out"
acc=$(echo "$out" | tail -1 | sed -n 's/.*"test_accuracy": \([0-9.]*\).*/\1/p')
awk -v a="$acc" 'BEGIN { exit !(a >= 0.82) }' || { echo "FAIL: test accuracy $acc < 0.82"; exit 1; }
echo "PASS: test accuracy $acc >= 0.82"
