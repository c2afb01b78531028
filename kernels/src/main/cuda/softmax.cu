// Softmax family: row softmax / log-softmax of a rows x cols matrix, max-subtracted, sums in double.
// Launch: one block per row (grid = rows), blockDim = clamp(next power of two >= cols, 32, 256).
// Two passes over the row (online normaliser, Milakov & Gimelshein 2018, "Online normalizer calculation for
// softmax"): pass 1 reads each element once and keeps, per thread, the running max m and the sum s of
// exp(x - m), rescaling s by exp(m_old - m_new) (in double) when the max grows; the per-thread (m, s) pairs are
// merged by a warp butterfly then across warps. Pass 2 writes exp(x - m) / s (one exp per element) or
// x - m - log s. Each element is read and written by the same thread, so out may alias x.
// cross_entropy_T: the fused softmax cross-entropy per row (same launch, pass 1, then a q-weighted pass).
// Special values follow the three-pass reference: a NaN or +inf in the row makes the whole row NaN; -inf
// elements contribute 0 (a row of only -inf gives NaN).
#include "carnot_cuda.h"

using carnot::i64;

namespace {

/** exp(from - to) in double, exactly 1 when equal (so -inf/-inf and +inf/+inf keep their sums). */
template <typename T>
__device__ __forceinline__ double rescale(T from, T to) {
    return from == to ? 1.0 : exp(static_cast<double>(from) - static_cast<double>(to));
}

/** Online normaliser state: running max m, sum s of exp(x - m). */
template <typename T>
struct MaxSum {
    T m;
    double s;
};

/** Adds one element. */
template <typename T>
__device__ __forceinline__ void push(MaxSum<T>& a, T x) {
    if (x > a.m) {
        // x - x is 0 for finite x and NaN for +inf, as exp(x - max) is in the reference
        a.s = a.s * rescale(a.m, x) + static_cast<double>(carnot::dexp(x - x));
        a.m = x;
    } else if (!(x == a.m && a.m == -T(HUGE_VAL))) {
        a.s += static_cast<double>(carnot::dexp(x - a.m));  // NaN x makes s NaN
    }
}

/** Merges two states; commutative bitwise (so every lane of a butterfly gets the same result). */
template <typename T>
__device__ __forceinline__ MaxSum<T> merge(MaxSum<T> a, MaxSum<T> b) {
    T m = a.m > b.m ? a.m : b.m;
    return MaxSum<T>{m, a.s * rescale(a.m, m) + b.s * rescale(b.m, m)};
}

template <typename T>
__device__ __forceinline__ MaxSum<T> warpMerge(MaxSum<T> v) {
    for (int k = 16; k > 0; k >>= 1) {
        MaxSum<T> o{__shfl_xor_sync(0xffffffffu, v.m, k), __shfl_xor_sync(0xffffffffu, v.s, k)};
        v = merge(v, o);
    }
    return v;
}

/** Block-wide merge (blockDim a multiple of 32, <= 1024); every thread gets the result, fixed order. */
template <typename T>
__device__ MaxSum<T> blockMerge(MaxSum<T> v) {
    __shared__ T pm[32];
    __shared__ double ps[32];
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    v = warpMerge(v);
    if (lane == 0) {
        pm[warp] = v.m;
        ps[warp] = v.s;
    }
    __syncthreads();
    if (warp == 0) {
        int nw = (blockDim.x + 31) >> 5;
        MaxSum<T> r = lane < nw ? MaxSum<T>{pm[lane], ps[lane]} : MaxSum<T>{-T(HUGE_VAL), 0.0};
        r = warpMerge(r);
        if (lane == 0) {
            pm[0] = r.m;
            ps[0] = r.s;
        }
    }
    __syncthreads();
    return MaxSum<T>{pm[0], ps[0]};
}

}  // namespace

template <typename T>
__device__ void softmaxImpl(const T* x, T* out, int rows, int cols, int logMode) {
    i64 r = blockIdx.x;
    const T* xr = x + r * cols;
    T* yr = out + r * cols;
    MaxSum<T> st{-T(HUGE_VAL), 0.0};
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        push(st, xr[j]);
    }
    st = blockMerge(st);
    T mx = st.m;
    if (logMode) {
        double ls = log(st.s);
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            yr[j] = static_cast<T>(static_cast<double>(xr[j] - mx) - ls);
        }
    } else {
        double inv = 1.0 / st.s;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            yr[j] = static_cast<T>(static_cast<double>(carnot::dexp(xr[j] - mx)) * inv);
        }
    }
}

/**
 * Fused softmax cross-entropy of row r: out[r] = -sum_j q_j (z_j - m - log s). Pass 1 is the online (m, s) of
 * softmaxImpl, pass 2 the q-weighted sum in double (the row is read twice, q once), block-reduced; thread 0 writes.
 */
template <typename T>
__device__ void crossEntropyImpl(const T* z, const T* q, T* out, int rows, int cols) {
    i64 r = blockIdx.x;
    const T* zr = z + r * cols;
    const T* qr = q + r * cols;
    MaxSum<T> st{-T(HUGE_VAL), 0.0};
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        push(st, zr[j]);
    }
    st = blockMerge(st);
    double shift = static_cast<double>(st.m) + log(st.s);
    double acc = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        acc += static_cast<double>(qr[j]) * (static_cast<double>(zr[j]) - shift);
    }
    acc = carnot::blockReduce(acc, carnot::SumOp(), 0.0);
    if (threadIdx.x == 0) {
        out[r] = static_cast<T>(-acc);
    }
}

#define SOFTMAX_KERNEL(T, S)                                                                           \
    extern "C" __global__ void softmax_##S(const T* x, T* out, int rows, int cols, int logMode) {       \
        softmaxImpl<T>(x, out, rows, cols, logMode);                                                   \
    }                                                                                                  \
    CARNOT_EXPORT(softmax_##S)                                                                         \
    extern "C" __global__ void cross_entropy_##S(const T* z, const T* q, T* out, int rows, int cols) {   \
        crossEntropyImpl<T>(z, q, out, rows, cols);                                                    \
    }                                                                                                  \
    CARNOT_EXPORT(cross_entropy_##S)

SOFTMAX_KERNEL(float, f32)
SOFTMAX_KERNEL(double, f64)
