// GEMM family: C = alpha * op(A) * op(B) + beta * C, row-major, optional transposes, batched over blockIdx.z.
// Tiling: a 256-thread block computes a 64 x 64 tile of C; K advances in steps of 16 through shared memory
// (As[16][64], Bs[16][64]); thread (tx, ty) = (tid % 16, tid / 16) owns the 4 x 4 outputs at rows ty + 16 i and
// columns tx + 16 j, so shared reads are conflict-free and the C stores coalesce. Tile loads pick the thread
// mapping by transpose so global reads run along the contiguous axis. Accumulates in T.
// Launch: grid (ceil(n / 64), ceil(m / 64), min(batch, 65535)), block 256; batch entries beyond gridDim.z loop.
#include "carnot_cuda.h"

using carnot::i64;

#define GEMM_BM 64
#define GEMM_BN 64
#define GEMM_BK 16

template <typename T>
__device__ void gemmImpl(int transA, int transB, int m, int n, int k, T alpha, const T* A, int lda, i64 strideA,
                         const T* B, int ldb, i64 strideB, T beta, T* C, int ldc, i64 strideC, int batch) {
    __shared__ T As[GEMM_BK][GEMM_BM];
    __shared__ T Bs[GEMM_BK][GEMM_BN];
    const int tid = threadIdx.x;
    const int tx = tid % 16;
    const int ty = tid / 16;
    const int row0 = blockIdx.y * GEMM_BM;
    const int col0 = blockIdx.x * GEMM_BN;
    for (int z = blockIdx.z; z < batch; z += gridDim.z) {
        const T* a = A + static_cast<i64>(z) * strideA;
        const T* b = B + static_cast<i64>(z) * strideB;
        T* c = C + static_cast<i64>(z) * strideC;
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
}

#define GEMM_KERNEL(T, S)                                                                                    \
    extern "C" __global__ void __launch_bounds__(256)                                                        \
        gemm_##S(int transA, int transB, int m, int n, int k, T alpha, const T* a, int lda, i64 strideA,      \
                 const T* b, int ldb, i64 strideB, T beta, T* c, int ldc, i64 strideC, int batch) {          \
        gemmImpl<T>(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, \
                    batch);                                                                                  \
    }                                                                                                        \
    CARNOT_EXPORT(gemm_##S)

GEMM_KERNEL(float, f32)
GEMM_KERNEL(double, f64)
