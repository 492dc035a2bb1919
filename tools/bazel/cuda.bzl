"""cuda_library: CUDA sources compiled with the toolkit's nvcc, shaped like rules_cuda's.

There is no CUDA toolchain for Bazel 4.2.3 offline, so each .cu file becomes an object through
a genrule running /usr/local/cuda/bin/nvcc, and a cc_library links the objects with cudart
(@system//:cuda). cuBLAS and NCCL are not linked: code that uses cuBLAS calls it through
tensor/cuda/cublas_api.h, which loads it with dlopen on first use (see Note [Lazy GPU libraries]
in tensor/cuda/dynamic_library.h), so CPU-only processes never map its 600 MB. Code is built for
Hopper (sm_90, the H100/H200 we run on) plus compute_80 PTX that newer or older GPUs can JIT.
A machine without a GPU builds and links it; at run time cudaGetDeviceCount reports the missing
driver, and callers turn that into a Status.

    cuda_library(name = "kernels", srcs = ["add.cu"], hdrs = ["add.h"], deps = [...])
"""

NVCC = "/usr/local/cuda/bin/nvcc"

NVCC_FLAGS = [
    "-std=c++17",
    "-O3",
    "-Xcompiler=-fPIC",
    "-gencode=arch=compute_90,code=sm_90",
    "-gencode=arch=compute_80,code=compute_80",
]

def cuda_library(name, srcs, hdrs = [], deps = [], cu_hdrs = [], visibility = None, testonly = False):
    objs = []
    for src in srcs:
        obj = name + "_" + src.replace("/", "_").replace(".cu", ".o")
        native.genrule(
            name = obj + "_nvcc",
            srcs = [src] + hdrs + cu_hdrs,
            outs = [obj],
            cmd = "%s %s -I. -I$(GENDIR) -c $(location %s) -o $@" % (NVCC, " ".join(NVCC_FLAGS), src),
            message = "nvcc %s" % src,
            testonly = testonly,
        )
        objs.append(obj)
    native.cc_library(
        name = name,
        srcs = objs,
        hdrs = hdrs,
        deps = deps + ["@system//:cuda"],
        visibility = visibility,
        testonly = testonly,
        alwayslink = True,
    )
