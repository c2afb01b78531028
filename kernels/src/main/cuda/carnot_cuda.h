// Shared device helpers for every Carnot kernel family. Compiled by nvcc (real GPU) or by g++ with the host
// emulation shim (tests). Every kernel is `extern "C" __global__` so the driver finds it by name, and is followed
// by CARNOT_EXPORT(name), which under emulation emits the host launch entry `emu_<name>`.
#pragma once

#ifdef __CUDACC__
#define CARNOT_EXPORT(name)
#else
#include "emu/cuda_emu.h"
#define CARNOT_EXPORT(name)                                                                         \
    extern "C" __attribute__((visibility("default"))) int emu_##name(const unsigned* dims, void** args, \
                                                                    char* err, int errLen) {         \
        return emu::launch(#name, name, dims, args, err, errLen);                                  \
    }
#endif

/** Unrolls the next loop fully (a constant trip count): nvcc's #pragma unroll, GCC's under emulation. */
#ifdef __CUDACC__
#define CARNOT_UNROLL _Pragma("unroll")
#else
#define CARNOT_UNROLL _Pragma("GCC unroll 16")
#endif

namespace carnot {

typedef long long i64;

/** Index of this thread in a 1-D grid, and the stride of a grid-stride loop. */
__device__ __forceinline__ i64 globalThread() { return static_cast<i64>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ i64 gridStride() { return static_cast<i64>(gridDim.x) * blockDim.x; }

// Math overloads that resolve identically under nvcc and g++ (float -> *f functions, double -> plain).
__device__ __forceinline__ float dexp(float x) { return expf(x); }
__device__ __forceinline__ double dexp(double x) { return exp(x); }
__device__ __forceinline__ float dlog(float x) { return logf(x); }
__device__ __forceinline__ double dlog(double x) { return log(x); }
__device__ __forceinline__ float dlog1p(float x) { return log1pf(x); }
__device__ __forceinline__ double dlog1p(double x) { return log1p(x); }
__device__ __forceinline__ float dtanh(float x) { return tanhf(x); }
__device__ __forceinline__ double dtanh(double x) { return tanh(x); }
__device__ __forceinline__ float dsqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double dsqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float dpow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double dpow(double a, double b) { return pow(a, b); }
__device__ __forceinline__ float dabs(float x) { return fabsf(x); }
__device__ __forceinline__ double dabs(double x) { return fabs(x); }

/** Java's Math.max/min semantics: a NaN operand gives NaN, and max(-0, +0) = +0, min(-0, +0) = -0. */
template <typename T>
__device__ __forceinline__ T jmax(T a, T b) {
    if (a != a) {
        return a;
    }
    if (b != b) {
        return b;
    }
    if (a == b) {
        return signbit(a) ? b : a;
    }
    return a > b ? a : b;
}
template <typename T>
__device__ __forceinline__ T jmin(T a, T b) {
    if (a != a) {
        return a;
    }
    if (b != b) {
        return b;
    }
    if (a == b) {
        return signbit(a) ? a : b;
    }
    return a < b ? a : b;
}

struct SumOp {
    template <typename T>
    __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
    template <typename T>
    __device__ __forceinline__ T operator()(T a, T b) const { return jmax(a, b); }
};
struct MinOp {
    template <typename T>
    __device__ __forceinline__ T operator()(T a, T b) const { return jmin(a, b); }
};

/** Butterfly reduction over the 32 lanes of a warp (every lane gets the result; fixed order, deterministic). */
template <typename T, typename Op>
__device__ __forceinline__ T warpReduce(T v, Op op) {
    for (int m = 16; m > 0; m >>= 1) {
        v = op(v, __shfl_xor_sync(0xffffffffu, v, m));
    }
    return v;
}

/**
 * Reduction over a 1-D block whose size is a multiple of 32 (<= 1024); every thread must call it and gets the
 * result. Order: warp butterflies, then warp 0 over the per-warp partials; deterministic for a given blockDim.
 */
template <typename T, typename Op>
__device__ T blockReduce(T v, Op op, T identity) {
    __shared__ T part[32];
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    v = warpReduce(v, op);
    if (lane == 0) {
        part[warp] = v;
    }
    __syncthreads();
    if (warp == 0) {
        int nw = (blockDim.x + 31) >> 5;
        T r = lane < nw ? part[lane] : identity;
        r = warpReduce(r, op);
        if (lane == 0) {
            part[0] = r;
        }
    }
    __syncthreads();
    T r = part[0];
    __syncthreads();
    return r;
}

/** Broadcast/strided view passed by value: iteration shape and per-operand strides/offsets (rank <= 8). */
struct View {
    i64 rank;
    i64 shape[8];
    i64 strideA[8];
    i64 strideB[8];
    i64 offA;
    i64 offB;
};

/** Source offsets of dense output element i under view v. */
__device__ __forceinline__ void viewOffsets(const View& v, i64 i, i64& ia, i64& ib) {
    ia = v.offA;
    ib = v.offB;
    for (int d = static_cast<int>(v.rank) - 1; d >= 0; d--) {
        i64 e = v.shape[d];
        i64 c = i % e;
        i /= e;
        ia += c * v.strideA[d];
        ib += c * v.strideB[d];
    }
}

}  // namespace carnot
