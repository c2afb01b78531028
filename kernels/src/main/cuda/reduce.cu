// Reduction family over the middle axis of an [outer, axis, inner] view, plus dot. All sums accumulate in double.
// reduce_cols_T: one thread per output (outer * inner), sequential over the axis; coalesced along inner.
//   Launch: 1-D grid-stride, block 256.
// reduce_rows_T: one 256-thread block per output; strided per-thread partials, then a warp-shuffle block tree.
//   Used when there are few outputs and a long axis. Launch: grid (outputs), block 256.
// dot_partial_T + sum_partials: a fixed grid of G = min(ceil(n / 256), 1024) blocks writes one double per block;
//   one block sums those G partials in fixed order, so the result depends only on n (deterministic).
#include "carnot_cuda.h"

using carnot::i64;

enum : int { R_SUM = 0, R_MAX, R_MIN, R_SUMSQ };

__device__ __forceinline__ double reduceIdentity(int op) {
    return op == R_MAX ? -HUGE_VAL : (op == R_MIN ? HUGE_VAL : 0.0);
}

__device__ __forceinline__ double reduceStep(int op, double acc, double v) {
    switch (op) {
        case R_MAX: return carnot::jmax(acc, v);
        case R_MIN: return carnot::jmin(acc, v);
        case R_SUMSQ: return acc + v * v;
        default: return acc + v;
    }
}

template <typename T>
__device__ void reduceColsImpl(int op, const T* x, T* out, i64 outer, i64 axis, i64 inner) {
    i64 total = outer * inner;
    for (i64 t = carnot::globalThread(); t < total; t += carnot::gridStride()) {
        i64 o = t / inner;
        i64 j = t % inner;
        const T* p = x + o * axis * inner + j;
        double acc = reduceIdentity(op);
        for (i64 a = 0; a < axis; a++) {
            acc = reduceStep(op, acc, static_cast<double>(p[a * inner]));
        }
        out[t] = static_cast<T>(acc);
    }
}

template <typename T>
__device__ void reduceRowsImpl(int op, const T* x, T* out, i64 outer, i64 axis, i64 inner) {
    i64 t = blockIdx.x;
    i64 o = t / inner;
    i64 j = t % inner;
    const T* p = x + o * axis * inner + j;
    double acc = reduceIdentity(op);
    for (i64 a = threadIdx.x; a < axis; a += blockDim.x) {
        acc = reduceStep(op, acc, static_cast<double>(p[a * inner]));
    }
    double r;
    if (op == R_MAX) {
        r = carnot::blockReduce(acc, carnot::MaxOp(), -HUGE_VAL);
    } else if (op == R_MIN) {
        r = carnot::blockReduce(acc, carnot::MinOp(), HUGE_VAL);
    } else {
        r = carnot::blockReduce(acc, carnot::SumOp(), 0.0);
    }
    if (threadIdx.x == 0) {
        out[t] = static_cast<T>(r);
    }
}

template <typename T>
__device__ void dotPartialImpl(i64 n, const T* x, const T* y, double* partial) {
    double acc = 0.0;
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        acc += static_cast<double>(x[i]) * static_cast<double>(y[i]);
    }
    double r = carnot::blockReduce(acc, carnot::SumOp(), 0.0);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = r;
    }
}

#define REDUCE_KERNELS(T, S)                                                                                \
    extern "C" __global__ void reduce_cols_##S(int op, const T* x, T* out, i64 outer, i64 axis, i64 inner) { \
        reduceColsImpl<T>(op, x, out, outer, axis, inner);                                                  \
    }                                                                                                       \
    CARNOT_EXPORT(reduce_cols_##S)                                                                          \
    extern "C" __global__ void reduce_rows_##S(int op, const T* x, T* out, i64 outer, i64 axis, i64 inner) { \
        reduceRowsImpl<T>(op, x, out, outer, axis, inner);                                                  \
    }                                                                                                       \
    CARNOT_EXPORT(reduce_rows_##S)                                                                          \
    extern "C" __global__ void dot_partial_##S(i64 n, const T* x, const T* y, double* partial) {             \
        dotPartialImpl<T>(n, x, y, partial);                                                                \
    }                                                                                                       \
    CARNOT_EXPORT(dot_partial_##S)

REDUCE_KERNELS(float, f32)
REDUCE_KERNELS(double, f64)

/** out[0] = sum of partial[0..count) in a fixed order. Launch: grid 1, block 256. */
extern "C" __global__ void sum_partials(const double* partial, int count, double* out) {
    double acc = 0.0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) {
        acc += partial[i];
    }
    double r = carnot::blockReduce(acc, carnot::SumOp(), 0.0);
    if (threadIdx.x == 0) {
        out[0] = r;
    }
}
CARNOT_EXPORT(sum_partials)
