// Memory family: fill, dtype conversion, strided gather (transpose/permute/slice/broadcast-expand).
// Launch: 1-D grid-stride, blockDim 256, gridDim = min(ceil(n / 256), 4096).
#include "carnot_cuda.h"

using carnot::i64;

template <typename T>
__device__ void fillImpl(T* x, i64 n, T value) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        x[i] = value;
    }
}

template <typename S, typename D>
__device__ void convertImpl(const S* src, D* dst, i64 n) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        dst[i] = static_cast<D>(src[i]);
    }
}

/** dst[i] = src[offA + sum_d c_d * strideA[d]] for dense i over v.shape (B fields unused). */
template <typename T>
__device__ void copyStridedImpl(const T* src, carnot::View v, T* dst, i64 n) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        i64 ia;
        i64 ib;
        carnot::viewOffsets(v, i, ia, ib);
        dst[i] = src[ia];
    }
}

#define MEMORY_KERNELS(T, S)                                                                          \
    extern "C" __global__ void fill_##S(T* x, i64 n, T value) { fillImpl<T>(x, n, value); }            \
    CARNOT_EXPORT(fill_##S)                                                                           \
    extern "C" __global__ void copy_strided_##S(const T* src, carnot::View v, T* dst, i64 n) {          \
        copyStridedImpl<T>(src, v, dst, n);                                                           \
    }                                                                                                 \
    CARNOT_EXPORT(copy_strided_##S)

MEMORY_KERNELS(float, f32)
MEMORY_KERNELS(double, f64)
MEMORY_KERNELS(int, i32)

extern "C" __global__ void convert_f32_f64(const float* src, double* dst, i64 n) { convertImpl(src, dst, n); }
CARNOT_EXPORT(convert_f32_f64)
extern "C" __global__ void convert_f64_f32(const double* src, float* dst, i64 n) { convertImpl(src, dst, n); }
CARNOT_EXPORT(convert_f64_f32)
