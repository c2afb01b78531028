// Softmax family: row softmax / log-softmax of a rows x cols matrix, max-subtracted, sums in double.
// Launch: one block per row (grid = rows), blockDim = clamp(next power of two >= cols, 32, 256).
// Three passes over the row (max, sum of exp, write), each a strided loop + warp-shuffle block reduction; each
// element is read and written by the same thread, so out may alias x.
#include "carnot_cuda.h"

using carnot::i64;

template <typename T>
__device__ void softmaxImpl(const T* x, T* out, int rows, int cols, int logMode) {
    i64 r = blockIdx.x;
    const T* xr = x + r * cols;
    T* yr = out + r * cols;
    T mx = -T(HUGE_VAL);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        mx = carnot::jmax(mx, xr[j]);
    }
    mx = carnot::blockReduce(mx, carnot::MaxOp(), -T(HUGE_VAL));
    double s = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        s += static_cast<double>(carnot::dexp(xr[j] - mx));
    }
    s = carnot::blockReduce(s, carnot::SumOp(), 0.0);
    if (logMode) {
        double ls = log(s);
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            yr[j] = static_cast<T>(static_cast<double>(xr[j] - mx) - ls);
        }
    } else {
        double inv = 1.0 / s;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            yr[j] = static_cast<T>(static_cast<double>(carnot::dexp(xr[j] - mx)) * inv);
        }
    }
}

#define SOFTMAX_KERNEL(T, S)                                                                           \
    extern "C" __global__ void softmax_##S(const T* x, T* out, int rows, int cols, int logMode) {       \
        softmaxImpl<T>(x, out, rows, cols, logMode);                                                   \
    }                                                                                                  \
    CARNOT_EXPORT(softmax_##S)

SOFTMAX_KERNEL(float, f32)
SOFTMAX_KERNEL(double, f64)
