#!/usr/bin/env python3
"""PyTorch's side of tools/bench/gpu_vs_torch.sh: trains an MLP with plain SGD on a GPU, on the
IDX files of DATA_DIR (gzip or not), and prints one JSON line with its training samples/s
(the training loop only, timed between torch.cuda.synchronize() calls) and the cuBLAS FP32
GEMM rate of the model's layer shapes measured alone (torch.mm, TF32 off), in TFLOP/s.

  torch_gpu_mlp.py --data-dir DIR [--hidden 4096,4096] [--batch 4096] [--epochs 3] [--tf32]

--tf32 lets the training's matmuls use TF32 (torch.backends.cuda.matmul.allow_tf32); the GEMM
rates measured alone stay FP32.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, base):
    for name in (base, base + ".gz"):
        if os.path.exists(os.path.join(data_dir, name)):
            return os.path.join(data_dir, name)
    raise SystemExit(f"torch_gpu_mlp.py: {data_dir} has no {base}")


def gemm_tflops(m, k, n, device, seconds=0.5):
    a = torch.randn(m, k, device=device)
    b = torch.randn(k, n, device=device)
    for _ in range(3):
        torch.mm(a, b)
    torch.cuda.synchronize()
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            torch.mm(a, b)
        torch.cuda.synchronize()
        runs += 10
    return 2.0 * m * k * n * runs / (time.perf_counter() - start) / 1e12


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", required=True)
    p.add_argument("--hidden", default="4096,4096")
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--tf32", action="store_true")
    args = p.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    device = torch.device("cuda")
    x = read_idx(find(args.data_dir, "train-images-idx3-ubyte"))
    y = read_idx(find(args.data_dir, "train-labels-idx1-ubyte"))
    x = torch.from_numpy(x.reshape(len(x), -1).astype(np.float32) / 255.0).pin_memory()
    y = torch.from_numpy(y.astype(np.int64)).pin_memory()
    sizes = [x.shape[1]] + [int(h) for h in args.hidden.split(",")] + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(x)
    gen = torch.Generator().manual_seed(0)

    def epoch():
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, args.batch):
            idx = perm[start:start + args.batch]
            xb = x[idx].to(device, non_blocking=True)
            yb = y[idx].to(device, non_blocking=True)
            opt.zero_grad(set_to_none=False)
            loss_fn(model(xb), yb).backward()
            opt.step()

    epoch()  # warm-up: cuBLAS heuristics, the caching allocator
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.epochs):
        epoch()
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    torch.backends.cuda.matmul.allow_tf32 = False
    shapes = [(args.batch, sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
    print(json.dumps({
        "samples_per_sec": args.epochs * n / seconds,
        "gemm_tflops_alone": {f"{m}x{k}x{nn}": round(gemm_tflops(m, k, nn, device), 2) for m, k, nn in shapes},
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(0),
    }))


if __name__ == "__main__":
    main()
