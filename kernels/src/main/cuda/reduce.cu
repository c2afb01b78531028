// Reduction family over the middle axis of an [outer, axis, inner] view, plus dot. All sums accumulate in double,
// every order is fixed by the shape alone (deterministic).
// reduce_rows_T (inner == 1, axis >= 32): one block per output row, blockDim = clamp(pow2 >= axis, 32, 256);
//   strided per-thread partials (coalesced along the row), then a warp-shuffle block tree.
// reduce_split_T + reduce_combine_T (inner > 1, few outputs, long axis; e.g. bias gradients = column sums):
//   grid (ceil(inner / 32), S, outer), block 256 = 32 columns x 8 axis lanes; block s reduces axis slice s of
//   32 adjacent columns (coalesced 128-byte rows) into partial[s][o][j]; then one thread per output sums its S
//   partials in order.
// reduce_cols_T (everything else: many outputs): one thread per output, sequential over the axis; coalesced along
//   inner. Launch: 1-D grid-stride, block 256.
// dot_partial_T + sum_partials: a fixed grid of G = min(ceil(n / 256), 1024) blocks writes one double per block;
//   one block sums those G partials in fixed order, so the result depends only on n.
// Op codes (ReduceOp) come from ops.h, generated from the Java enum Reduce by carnot.kernels.cuda.OpCodes;
// host side: ReduceCuda.java.
#include "carnot_cuda.h"
#include "ops.h"

using carnot::i64;

__device__ __forceinline__ double reduceIdentity(int op) {
    return op == R_MAX ? -HUGE_VAL : (op == R_MIN ? HUGE_VAL : 0.0);
}

__device__ __forceinline__ double reduceStep(int op, double acc, double v) {
    switch (static_cast<ReduceOp>(op)) {
        case R_SUM: return acc + v;
        case R_MAX: return carnot::jmax(acc, v);
        case R_MIN: return carnot::jmin(acc, v);
        case R_SUMSQ: return acc + v * v;
    }
    return acc + v;
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
__device__ void reduceSplitImpl(int op, const T* x, double* partial, i64 outer, i64 axis, i64 inner, i64 chunk) {
    __shared__ double lanes[8][32];
    int col = threadIdx.x & 31;
    int lane = threadIdx.x >> 5;
    i64 j = static_cast<i64>(blockIdx.x) * 32 + col;
    i64 s = blockIdx.y;
    i64 o = blockIdx.z;
    i64 begin = s * chunk;
    i64 end = begin + chunk < axis ? begin + chunk : axis;
    double acc = reduceIdentity(op);
    if (j < inner) {
        const T* p = x + o * axis * inner + j;
        for (i64 a = begin + lane; a < end; a += 8) {
            acc = reduceStep(op, acc, static_cast<double>(p[a * inner]));
        }
    }
    lanes[lane][col] = acc;
    __syncthreads();
    if (lane == 0 && j < inner) {
        double r = lanes[0][col];
        for (int l = 1; l < 8; l++) {
            double v = lanes[l][col];
            r = op == R_MAX ? carnot::jmax(r, v) : (op == R_MIN ? carnot::jmin(r, v) : r + v);
        }
        partial[(s * outer + o) * inner + j] = r;
    }
}

template <typename T>
__device__ void reduceCombineImpl(int op, const double* partial, T* out, i64 outputs, i64 splits) {
    for (i64 t = carnot::globalThread(); t < outputs; t += carnot::gridStride()) {
        double r = partial[t];
        for (i64 s = 1; s < splits; s++) {
            double v = partial[s * outputs + t];
            r = op == R_MAX ? carnot::jmax(r, v) : (op == R_MIN ? carnot::jmin(r, v) : r + v);
        }
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
    CARNOT_EXPORT(dot_partial_##S)                                                                          \
    extern "C" __global__ void reduce_split_##S(int op, const T* x, double* partial, i64 outer, i64 axis,      \
                                               i64 inner, i64 chunk) {                                        \
        reduceSplitImpl<T>(op, x, partial, outer, axis, inner, chunk);                                        \
    }                                                                                                       \
    CARNOT_EXPORT(reduce_split_##S)                                                                         \
    extern "C" __global__ void reduce_combine_##S(int op, const double* partial, T* out, i64 outputs,          \
                                                 i64 splits) {                                                \
        reduceCombineImpl<T>(op, partial, out, outputs, splits);                                              \
    }                                                                                                       \
    CARNOT_EXPORT(reduce_combine_##S)

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
