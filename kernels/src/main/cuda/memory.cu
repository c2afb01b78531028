// Memory family: fill, dtype conversion, strided gather (transpose/permute/slice/broadcast-expand).
// Launch: 1-D grid-stride, blockDim 256, gridDim = min(ceil(n / 256), 4096); except transpose_T (below).
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

/** Tile edge of transpose_T; the block is TILE x TILE_ROWS threads, each moving TILE / TILE_ROWS elements. */
constexpr int TILE = 32;
constexpr int TILE_ROWS = 8;

/**
 * The strided copy of a view whose last two (merged) axes are a transpose: dst is dense [batch..., P, Q] and
 * src(b, p, q) = src[offA + batchOffset(b) + p * sp + q * sq] with sp = 1 (the host picks this kernel only then;
 * any sp is still correct, just not coalesced). A block moves one 32 x 32 tile of (p, q): it reads the tile along p
 * (consecutive threads, consecutive source addresses), stores it in shared memory padded to 33 columns (no bank
 * conflicts on the transposed read), and writes it along q (consecutive dst addresses). Grid (ceil(Q / 32),
 * ceil(P / 32), min(batches, 65535)), grid-stride over batches in z; the batch offset is decomposed over the leading
 * view axes once per tile (32-bit div/mod: the host requires fewer than 2^31 batches). Edge tiles are masked.
 */
template <typename T>
__device__ void transposeImpl(const T* src, const carnot::View& v, T* dst, i64 batches) {
    __shared__ T tile[TILE][TILE + 1];
    int r = static_cast<int>(v.rank);
    i64 P = v.shape[r - 2];
    i64 Q = v.shape[r - 1];
    i64 sp = v.strideA[r - 2];
    i64 sq = v.strideA[r - 1];
    i64 p0 = static_cast<i64>(blockIdx.y) * TILE;
    i64 q0 = static_cast<i64>(blockIdx.x) * TILE;
    int tx = threadIdx.x;
    int ty = threadIdx.y;
    for (i64 b = blockIdx.z; b < batches; b += gridDim.z) {
        i64 off = v.offA;
        unsigned rest = static_cast<unsigned>(b);  // batches < 2^31 (host), extents are ints: 32-bit div/mod
        for (int d = r - 3; d >= 0; d--) {
            unsigned e = static_cast<unsigned>(v.shape[d]);
            off += static_cast<i64>(rest % e) * v.strideA[d];
            rest /= e;
        }
        i64 p = p0 + tx;
        for (int k = ty; k < TILE; k += TILE_ROWS) {
            i64 q = q0 + k;
            if (p < P && q < Q) {
                tile[k][tx] = src[off + p * sp + q * sq];
            }
        }
        __syncthreads();
        T* out = dst + b * P * Q;
        i64 q = q0 + tx;
        for (int k = ty; k < TILE; k += TILE_ROWS) {
            i64 pp = p0 + k;
            if (pp < P && q < Q) {
                out[pp * Q + q] = tile[tx][k];
            }
        }
        __syncthreads();
    }
}

#define MEMORY_KERNELS(T, S)                                                                          \
    extern "C" __global__ void fill_##S(T* x, i64 n, T value) { fillImpl<T>(x, n, value); }            \
    CARNOT_EXPORT(fill_##S)                                                                           \
    extern "C" __global__ void copy_strided_##S(const T* src, carnot::View v, T* dst, i64 n) {          \
        copyStridedImpl<T>(src, v, dst, n);                                                           \
    }                                                                                                 \
    CARNOT_EXPORT(copy_strided_##S)                                                                   \
    extern "C" __global__ void __launch_bounds__(TILE * TILE_ROWS)                                    \
        transpose_##S(const T* src, carnot::View v, T* dst, i64 batches) {                            \
        transposeImpl<T>(src, v, dst, batches);                                                       \
    }                                                                                                 \
    CARNOT_EXPORT(transpose_##S)

MEMORY_KERNELS(float, f32)
MEMORY_KERNELS(double, f64)
MEMORY_KERNELS(int, i32)

extern "C" __global__ void convert_f32_f64(const float* src, double* dst, i64 n) { convertImpl(src, dst, n); }
CARNOT_EXPORT(convert_f32_f64)
extern "C" __global__ void convert_f64_f32(const double* src, float* dst, i64 n) { convertImpl(src, dst, n); }
CARNOT_EXPORT(convert_f64_f32)
