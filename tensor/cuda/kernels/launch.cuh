// File: tensor/cuda/kernels/launch.cuh
//
// The grid-stride kernels that run the functors of bodies.h, reduce_bodies.h and
// training_bodies.h on the GPU, and GpuLauncher, the launcher dispatch.h hands them to. Only
// the .cu files of this package include it (it is CUDA C++).
//
// Note [Kernel shapes]
// Everything is memory-bound, so the kernels stay simple:
//  - Elementwise: one thread per element, 256 threads per block, at most 4096 blocks (an H100
//    holds ~270K resident threads; the grid-stride loop covers the rest). When every operand is
//    contiguous after MakeIndexer's merging, ContiguousKernel skips the index math.
//  - ReduceLastDim: one thread per row for many short rows; one block per row (a shared-memory
//    tree over RowReducer partials, threads reading consecutive elements) for long rows or few
//    moderate ones (UseBlockPerRow), so a full-tensor sum is not single-threaded.
//  - CrossEntropyForward: one thread per row up to 64 classes, else one warp per row (shuffle
//    reductions, results broadcast from lane 0 so every lane uses the same max and sum).
//  - SumMiddleDim (the bias gradient: a [batch, features] tensor summed over its rows): a block
//    of 32 x 32 threads per 32 output columns, so a warp reads 32 consecutive elements of a row
//    and 32 warps share a column's rows; the 32 partials are added in a fixed order (shared
//    memory), so the sum is the same every run. One thread per column spent 1.75 ms of a
//    784-4096-4096-10 step's 13.8 ms of kernels on an H100 (batch 4096; the [4096, 10] sum alone
//    took 0.5 ms on 10 threads); the tiles take 0.10 ms.
//  - IndexSelect, OneHot, CrossEntropyBackward, SgdStep and the int64 GEMM are elementwise over
//    their outputs.
#ifndef CONCORD_TENSOR_CUDA_KERNELS_LAUNCH_CUH_
#define CONCORD_TENSOR_CUDA_KERNELS_LAUNCH_CUH_

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/kernels/bodies.h"
#include "tensor/cuda/kernels/dispatch_training.h"
#include "tensor/cuda/kernels/reduce_bodies.h"
#include "tensor/cuda/kernels/training_bodies.h"

namespace concord::cuda {

constexpr int kThreadsPerBlock = 256;  // a power of two (the block reduction halves it)
constexpr int64_t kMaxBlocks = 4096;
constexpr int kWarpSize = 32;
constexpr unsigned kFullMask = 0xffffffffu;

inline int BlocksFor(int64_t threads) {
  return static_cast<int>(std::min<int64_t>((threads + kThreadsPerBlock - 1) / kThreadsPerBlock, kMaxBlocks));
}

template <int K, typename F>
__global__ void __launch_bounds__(kThreadsPerBlock) ContiguousKernel(int64_t count, F f) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += step) {
    int64_t off[K];
#pragma unroll
    for (int k = 0; k < K; ++k) off[k] = i;
    f(off);
  }
}

// Index math in 32 bits where the element count allows (Indexer::Offsets32).
template <int K, typename F>
__global__ void __launch_bounds__(kThreadsPerBlock) StridedKernel(Indexer<K> ix, int64_t count, F f) {
  const int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (count <= int64_t{UINT32_MAX}) {  // uniform across the grid
    for (int64_t i = first; i < count; i += step) {
      int64_t off[K];
      ix.Offsets32(static_cast<uint32_t>(i), off);
      f(off);
    }
    return;
  }
  for (int64_t i = first; i < count; i += step) {
    int64_t off[K];
    ix.Offsets(i, off);
    f(off);
  }
}

// One block per row (grid-stride over rows): each thread reduces k = tid, tid + 256, ...,
// then a shared-memory tree combines the 256 partials. blockDim.x == kThreadsPerBlock.
template <typename R>
__global__ void __launch_bounds__(kThreadsPerBlock) BlockPerRowKernel(Indexer<2> ix, int64_t rows, R r) {
  __shared__ typename R::Partial partials[kThreadsPerBlock];
  const int tid = threadIdx.x;
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    int64_t off[2];
    ix.Offsets(row, off);
    partials[tid] = r.Accumulate(off[1], tid, kThreadsPerBlock);
    __syncthreads();
    for (int s = kThreadsPerBlock / 2; s > 0; s >>= 1) {
      if (tid < s) partials[tid] = r.Combine(partials[tid], partials[tid + s]);
      __syncthreads();
    }
    if (tid == 0) r.Store(off[0], partials[0]);
    __syncthreads();  // partials[0] is read before the next row overwrites the array
  }
}

// Column sums (SumMiddleElem's Partial / Store): block (kColumnTile, kColumnLanes) per tile of
// kColumnTile consecutive columns (grid-stride over tiles); thread (x, y) sums column x's rows
// y, y + kColumnLanes, ...; thread (x, 0) adds the partials in y order.
constexpr int kColumnTile = 32;
constexpr int kColumnLanes = 32;

template <typename S>
__global__ void __launch_bounds__(kColumnTile * kColumnLanes) ColumnSumKernel(int64_t count, S s) {
  using Acc = decltype(s.Partial(0, 0, 1));
  __shared__ Acc partials[kColumnLanes][kColumnTile + 1];  // + 1: no bank conflicts on the y-walk
  const int x = threadIdx.x, y = threadIdx.y;
  for (int64_t first = static_cast<int64_t>(blockIdx.x) * kColumnTile; first < count;
       first += static_cast<int64_t>(gridDim.x) * kColumnTile) {  // uniform across the block
    const int64_t c = first + x;
    partials[y][x] = c < count ? s.Partial(c, y, kColumnLanes) : Acc(0);
    __syncthreads();
    if (y == 0 && c < count) {
      Acc total = partials[0][x];
      for (int t = 1; t < kColumnLanes; ++t) total += partials[t][x];
      s.Store(c, total);
    }
    __syncthreads();  // the partials are read before the next tile overwrites them
  }
}

// One warp per cross-entropy row (grid-stride over rows in warp units).
template <typename C>
__global__ void __launch_bounds__(kThreadsPerBlock) WarpPerRowKernel(int64_t rows, C c) {
  const int lane = threadIdx.x % kWarpSize;
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarpSize;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * blockDim.x / kWarpSize;
  for (int64_t r = warp; r < rows; r += warps) {  // r is uniform across the warp
    auto m = c.PartialMax(r, lane, kWarpSize);
    for (int o = kWarpSize / 2; o > 0; o >>= 1) m = C::CombineMax(m, __shfl_down_sync(kFullMask, m, o));
    m = __shfl_sync(kFullMask, m, 0);
    auto s = c.PartialSumExp(r, m, lane, kWarpSize);
    for (int o = kWarpSize / 2; o > 0; o >>= 1) s += __shfl_down_sync(kFullMask, s, o);
    s = __shfl_sync(kFullMask, s, 0);
    c.Finish(r, m, s, lane, kWarpSize);
  }
}

// The launcher of dispatch.h on a CUDA stream. Each launch is followed by cudaGetLastError, so
// launch errors (no driver, no device, a bad configuration) come back as a Status; errors while
// a kernel runs surface at the caller's next synchronising call.
struct GpuLauncher {
  cudaStream_t stream;

  template <int K, typename F>
  absl::Status Elementwise(const Indexer<K>& ix, int64_t count, const F& f) const {
    if (ix.Contiguous()) {
      ContiguousKernel<K, F><<<BlocksFor(count), kThreadsPerBlock, 0, stream>>>(count, f);
    } else {
      StridedKernel<K, F><<<BlocksFor(count), kThreadsPerBlock, 0, stream>>>(ix, count, f);
    }
    CUDA_RETURN_IF_ERROR(cudaGetLastError());
    return absl::OkStatus();
  }

  template <typename R>
  absl::Status ReduceRows(const Indexer<2>& ix, int64_t rows, int64_t n, const R& r) const {
    if (!UseBlockPerRow(rows, n)) return Elementwise(ix, rows, r);
    const int blocks = static_cast<int>(std::min<int64_t>(rows, kMaxBlocks));
    BlockPerRowKernel<R><<<blocks, kThreadsPerBlock, 0, stream>>>(ix, rows, r);
    CUDA_RETURN_IF_ERROR(cudaGetLastError());
    return absl::OkStatus();
  }

  template <typename S>
  absl::Status SumColumns(int64_t count, const S& s) const {
    const int blocks = static_cast<int>(std::min<int64_t>((count + kColumnTile - 1) / kColumnTile, kMaxBlocks));
    ColumnSumKernel<S><<<blocks, dim3(kColumnTile, kColumnLanes), 0, stream>>>(count, s);
    CUDA_RETURN_IF_ERROR(cudaGetLastError());
    return absl::OkStatus();
  }

  template <typename C>
  absl::Status CrossEntropyRows(int64_t rows, int64_t classes, const C& c) const {
    if (!UseWarpPerRow(classes)) return Elementwise(ContiguousIndexer<1>(rows), rows, c);
    WarpPerRowKernel<C><<<BlocksFor(rows * kWarpSize), kThreadsPerBlock, 0, stream>>>(rows, c);
    CUDA_RETURN_IF_ERROR(cudaGetLastError());
    return absl::OkStatus();
  }
};

}  // namespace concord::cuda

#endif  // CONCORD_TENSOR_CUDA_KERNELS_LAUNCH_CUH_
