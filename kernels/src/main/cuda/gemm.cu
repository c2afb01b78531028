// GEMM family: C = alpha * op(A) * op(B) + beta * C, row-major, optional transposes, batched over blockIdx.z.
// Tiling: a 256-thread block computes a 64 x 64 tile of C; K advances in steps of 16 through shared memory
// (As[16][64 + 1], Bs[16][64 + 1]: the pad makes transposing tile stores conflict-free); thread (tx, ty) =
// (tid % 16, tid / 16) owns the 4 x 4 outputs at rows ty + 16 i and columns tx + 16 j, so shared reads are
// broadcasts or consecutive and the C stores coalesce. Tile loads pick the thread
// mapping by transpose so global reads run along the contiguous axis. Accumulates in T.
// Launch: grid (ceil(n / 64), ceil(m / 64), min(batch, 65535)), block 256; batch entries beyond gridDim.z loop.
// __launch_bounds__(256, 3) caps registers so that 3 blocks fit an SM (sm_90: 70 f32 / 78 f64 registers, no spills;
// without the cap ptxas uses 118 / 126 and only 2 blocks fit).
// Split-K (single products with fewer than 132 tiles and k >= 1024): grid (ceil(n / 64), ceil(m / 64), S) writes S
// partial products, then a 1-D grid-stride kernel sums them in slice order and applies alpha, beta.
#include "carnot_cuda.h"

using carnot::i64;

#define GEMM_BM 64
#define GEMM_BN 64
#define GEMM_BK 16

/** One 64 x 64 tile (blockIdx.x, blockIdx.y) of c = alpha op(a) op(b) + beta c for a single matrix product. */
template <typename T>
__device__ void gemmTile(int transA, int transB, int m, int n, int k, T alpha, const T* a, int lda, const T* b,
                         int ldb, T beta, T* c, int ldc) {
    __shared__ T As[GEMM_BK][GEMM_BM + 1];
    __shared__ T Bs[GEMM_BK][GEMM_BN + 1];
    const int tid = threadIdx.x;
    const int tx = tid % 16;
    const int ty = tid / 16;
    const int row0 = blockIdx.y * GEMM_BM;
    const int col0 = blockIdx.x * GEMM_BN;
    T acc[4][4];
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            acc[i][j] = T(0);
        }
    }
    for (int k0 = 0; k0 < k; k0 += GEMM_BK) {
        for (int l = 0; l < 4; l++) {
            int e = tid + l * 256;
            int r = transA ? e % GEMM_BM : e / GEMM_BK;
            int q = transA ? e / GEMM_BM : e % GEMM_BK;
            int gr = row0 + r;
            int gq = k0 + q;
            T v = T(0);
            if (gr < m && gq < k) {
                v = transA ? a[static_cast<i64>(gq) * lda + gr] : a[static_cast<i64>(gr) * lda + gq];
            }
            As[q][r] = v;
        }
        for (int l = 0; l < 4; l++) {
            int e = tid + l * 256;
            int q = transB ? e % GEMM_BK : e / GEMM_BN;
            int s = transB ? e / GEMM_BK : e % GEMM_BN;
            int gq = k0 + q;
            int gs = col0 + s;
            T v = T(0);
            if (gq < k && gs < n) {
                v = transB ? b[static_cast<i64>(gs) * ldb + gq] : b[static_cast<i64>(gq) * ldb + gs];
            }
            Bs[q][s] = v;
        }
        __syncthreads();
        for (int q = 0; q < GEMM_BK; q++) {
            T av[4];
            T bv[4];
            for (int i = 0; i < 4; i++) {
                av[i] = As[q][ty + 16 * i];
                bv[i] = Bs[q][tx + 16 * i];
            }
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    acc[i][j] += av[i] * bv[j];
                }
            }
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        int r = row0 + ty + 16 * i;
        if (r >= m) {
            continue;
        }
        for (int j = 0; j < 4; j++) {
            int s = col0 + tx + 16 * j;
            if (s < n) {
                T* p = c + static_cast<i64>(r) * ldc + s;
                *p = beta == T(0) ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *p;
            }
        }
    }
}

/** Batch entries blockIdx.z, blockIdx.z + gridDim.z, ... of a strided batched GEMM. */
template <typename T>
__device__ void gemmImpl(int transA, int transB, int m, int n, int k, T alpha, const T* A, int lda, i64 strideA,
                         const T* B, int ldb, i64 strideB, T beta, T* C, int ldc, i64 strideC, int batch) {
    for (int z = blockIdx.z; z < batch; z += gridDim.z) {
        gemmTile(transA, transB, m, n, k, alpha, A + static_cast<i64>(z) * strideA, lda,
                 B + static_cast<i64>(z) * strideB, ldb, beta, C + static_cast<i64>(z) * strideC, ldc);
    }
}

/**
 * Split-K stage 1: slice s = blockIdx.z of the k range, [s * chunk, min(k, (s + 1) * chunk)), written unscaled to
 * partial + s * m * n (dense m x n). Used when a single product has too few output tiles to fill the GPU (weight
 * gradients: small m x n, k = batch size).
 */
template <typename T>
__device__ void gemmSplitImpl(int transA, int transB, int m, int n, int k, int chunk, const T* a, int lda,
                              const T* b, int ldb, T* partial) {
    int s = blockIdx.z;
    int k0 = s * chunk;
    int len = k - k0 < chunk ? k - k0 : chunk;
    const T* as = transA ? a + static_cast<i64>(k0) * lda : a + k0;
    const T* bs = transB ? b + k0 : b + static_cast<i64>(k0) * ldb;
    gemmTile(transA, transB, m, n, len, T(1), as, lda, bs, ldb, T(0), partial + static_cast<i64>(s) * m * n, n);
}

/** Split-K stage 2: c = alpha * sum_s partial[s] + beta * c, slices summed in order s = 0, 1, ... (deterministic). */
template <typename T>
__device__ void gemmSplitReduceImpl(const T* partial, int splits, int m, int n, T alpha, T beta, T* c, int ldc) {
    i64 total = static_cast<i64>(m) * n;
    for (i64 e = carnot::globalThread(); e < total; e += carnot::gridStride()) {
        T acc = partial[e];
        for (int s = 1; s < splits; s++) {
            acc += partial[static_cast<i64>(s) * total + e];
        }
        T* p = c + (e / n) * ldc + e % n;
        *p = beta == T(0) ? alpha * acc : alpha * acc + beta * *p;
    }
}

#define GEMM_KERNEL(T, S)                                                                                    \
    extern "C" __global__ void __launch_bounds__(256, 3)                                                        \
        gemm_##S(int transA, int transB, int m, int n, int k, T alpha, const T* a, int lda, i64 strideA,      \
                 const T* b, int ldb, i64 strideB, T beta, T* c, int ldc, i64 strideC, int batch) {          \
        gemmImpl<T>(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, \
                    batch);                                                                                  \
    }                                                                                                        \
    CARNOT_EXPORT(gemm_##S)                                                                                  \
    extern "C" __global__ void __launch_bounds__(256, 3)                                                        \
        gemm_splitk_##S(int transA, int transB, int m, int n, int k, int chunk, const T* a, int lda,          \
                        const T* b, int ldb, T* partial) {                                                   \
        gemmSplitImpl<T>(transA, transB, m, n, k, chunk, a, lda, b, ldb, partial);                           \
    }                                                                                                        \
    CARNOT_EXPORT(gemm_splitk_##S)                                                                           \
    extern "C" __global__ void gemm_splitk_reduce_##S(const T* partial, int splits, int m, int n, T alpha,     \
                                                     T beta, T* c, int ldc) {                                \
        gemmSplitReduceImpl<T>(partial, splits, m, n, alpha, beta, c, ldc);                                  \
    }                                                                                                        \
    CARNOT_EXPORT(gemm_splitk_reduce_##S)

GEMM_KERNEL(float, f32)
GEMM_KERNEL(double, f64)
