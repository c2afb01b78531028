// Layer-norm family (no affine part), sums in double.
// Forward: mean = sum(x) / cols, var = sum((x - mean)^2) / cols (two passes, biased), rstd = 1 / sqrt(var + eps),
//   out = (x - mean) * rstd. Backward: xhat = (x - mean) * rstd,
//   dx = rstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
// Launch: one block per row (grid = rows), blockDim = clamp(next power of two >= cols, 32, 256).
#include "carnot_cuda.h"

using carnot::i64;

template <typename T>
__device__ void layerNormImpl(const T* x, T* out, T* mean, T* rstd, int rows, int cols, double eps) {
    i64 r = blockIdx.x;
    const T* xr = x + r * cols;
    T* yr = out + r * cols;
    double s = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        s += static_cast<double>(xr[j]);
    }
    double mu = carnot::blockReduce(s, carnot::SumOp(), 0.0) / cols;
    double q = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        double d = static_cast<double>(xr[j]) - mu;
        q += d * d;
    }
    double var = carnot::blockReduce(q, carnot::SumOp(), 0.0) / cols;
    double rs = 1.0 / sqrt(var + eps);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = static_cast<T>((static_cast<double>(xr[j]) - mu) * rs);
    }
    if (threadIdx.x == 0) {
        mean[r] = static_cast<T>(mu);
        rstd[r] = static_cast<T>(rs);
    }
}

template <typename T>
__device__ void layerNormBackwardImpl(const T* dy, const T* x, const T* mean, const T* rstd, T* dx, int rows,
                                      int cols) {
    i64 r = blockIdx.x;
    const T* xr = x + r * cols;
    const T* gr = dy + r * cols;
    T* dr = dx + r * cols;
    double mu = static_cast<double>(mean[r]);
    double rs = static_cast<double>(rstd[r]);
    double s1 = 0.0;
    double s2 = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        double g = static_cast<double>(gr[j]);
        s1 += g;
        s2 += g * (static_cast<double>(xr[j]) - mu) * rs;
    }
    s1 = carnot::blockReduce(s1, carnot::SumOp(), 0.0) / cols;
    s2 = carnot::blockReduce(s2, carnot::SumOp(), 0.0) / cols;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        double xhat = (static_cast<double>(xr[j]) - mu) * rs;
        dr[j] = static_cast<T>(rs * (static_cast<double>(gr[j]) - s1 - xhat * s2));
    }
}

#define LAYERNORM_KERNELS(T, S)                                                                                \
    extern "C" __global__ void layernorm_##S(const T* x, T* out, T* mean, T* rstd, int rows, int cols,          \
                                            double eps) {                                                      \
        layerNormImpl<T>(x, out, mean, rstd, rows, cols, eps);                                                 \
    }                                                                                                          \
    CARNOT_EXPORT(layernorm_##S)                                                                               \
    extern "C" __global__ void layernorm_backward_##S(const T* dy, const T* x, const T* mean, const T* rstd,     \
                                                     T* dx, int rows, int cols) {                              \
        layerNormBackwardImpl<T>(dy, x, mean, rstd, dx, rows, cols);                                           \
    }                                                                                                          \
    CARNOT_EXPORT(layernorm_backward_##S)

LAYERNORM_KERNELS(float, f32)
LAYERNORM_KERNELS(double, f64)
