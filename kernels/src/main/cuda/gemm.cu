// GEMM family, exact SIMT path (the default): C = alpha * op(A) * op(B) + beta * C, row-major, optional
// transposes, batched over blockIdx.z (strided, a shared operand via stride 0), split-K over blockIdx.z for
// single skinny products. Accumulates in T (f32 or f64 FMAs), so results compare with the CPU within the usual
// rounding bound. The tensor-core variants are in gemm_tc.cu; loaders and pipeline in gemm_tile.h.
//
// Tiling (256 threads, 8 warps as 4 (m) x 2 (n)):
//   f32: block 128 x 128, k step 8, warp tile 32 x 64, thread tile 8 x 8 (2 x 2 groups of 4 x 4);
//   f64: block  64 x  64, k step 8, warp tile 16 x 32, thread tile 4 x 4 (2 x 2 groups of 2 x 2).
// A warp's 32 lanes are 4 (m) x 8 (n); lane (ly, lx) owns rows g * 4V + ly * V + i and columns h * 8V + lx * V + j
// of the warp tile (V = 4 f32, 2 f64), so each k step reads its A and B values as 16-byte shared vectors (the A
// vectors are broadcasts, the B vectors of a quarter warp are 128 consecutive bytes: conflict-free).
// Shared memory: both operands k-major, As[k][BM + P], Bs[k][BN + P] (P = 4 f32, 2 f64), 3 stages (f32 25.3 KB,
// f64 25.3 KB). An
// operand whose global layout is k-major too (A^T, B) arrives by cp.async, 16 bytes per chunk; the other one is
// read as 16-byte vectors along k into registers and stored transposed after the stage's math; the padding makes
// those scalar stores conflict-free (GemmSharedBanksTest). Tiles entirely inside the matrix and
// 16-byte aligned operands take the unchecked vector path; edge tiles load element-wise with bounds checks and
// zero fill. C is written with 16-byte vectors when the tile is inside and C aligned.
// __launch_bounds__(256, 2): at most 128 registers, two blocks per SM.
// Split-K: chunk > 0 makes blockIdx.z a k-slice writing an unscaled partial product; gemm_splitk_reduce_T sums the
// partials in slice order (deterministic) and applies alpha, beta.
#include "gemm_tile.h"

using carnot::i64;
using gemm::Product;
using gemm::SimtConfig;
using gemm::Vec16;
using gemm::simtCol;
using gemm::simtRow;

/** One BM x BN tile (blockIdx.x, blockIdx.y) of one product; shared memory passed in (3 stages). */
template <typename T, bool transA, bool transB>
__device__ void simtTile(int m, int n, int k, T alpha, const T* a, int lda, const T* b,
                         int ldb, T beta, T* c, int ldc, int flags, T* As, T* Bs) {
    using Cfg = SimtConfig<T>;
    constexpr int BK = Cfg::BK;
    constexpr int S = Cfg::STAGES;
    constexpr int V = Cfg::V;
    const int row0 = blockIdx.y * Cfg::BM;
    const int col0 = blockIdx.x * Cfg::BN;
    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int wm = warp / Cfg::WARPS_N;
    const int wn = warp % Cfg::WARPS_N;
    const int ly = lane / 8;
    const int lx = lane % 8;
    const bool rowsIn = row0 + Cfg::BM <= m && col0 + Cfg::BN <= n;
    const bool vecA = (flags & gemm::VEC_A) != 0;
    const bool vecB = (flags & gemm::VEC_B) != 0;
    typename Cfg::LoadA la;
    typename Cfg::LoadB lb;
    const int kTiles = (k + BK - 1) / BK;

    auto issue = [&](int kt) {
        int k0 = kt * BK;
        int s = kt % S;
        bool full = rowsIn && k0 + BK <= k;
        const T* ga = transA ? a + static_cast<i64>(k0) * lda + row0 : a + static_cast<i64>(row0) * lda + k0;
        const T* gb = transB ? b + static_cast<i64>(col0) * ldb + k0 : b + static_cast<i64>(k0) * ldb + col0;
        la.issue(As + s * BK * Cfg::LDA, ga, lda, k - k0, m - row0, !transA, full, vecA);
        lb.issue(Bs + s * BK * Cfg::LDB, gb, ldb, k - k0, n - col0, transB, full, vecB);
    };
    auto store = [&](int kt) {
        int s = kt % S;
        if (la.staged(!transA)) {
            la.store(As + s * BK * Cfg::LDA, !transA);
        }
        if (lb.staged(transB)) {
            lb.store(Bs + s * BK * Cfg::LDB, transB);
        }
    };

    T acc[Cfg::TM][Cfg::TN];
    CARNOT_UNROLL
    for (int i = 0; i < Cfg::TM; i++) {
        CARNOT_UNROLL
        for (int j = 0; j < Cfg::TN; j++) {
            acc[i][j] = T(0);
        }
    }
    CARNOT_UNROLL
    for (int kt = 0; kt < S - 1; kt++) {
        if (kt < kTiles) {
            issue(kt);
            store(kt);
        }
        __pipeline_commit();
    }
    __pipeline_wait_prior(S - 2);
    __syncthreads();
    for (int kt = 0; kt < kTiles; kt++) {
        int next = kt + S - 1;
        if (next < kTiles) {
            issue(next);
        }
        __pipeline_commit();
        const T* as = As + (kt % S) * BK * Cfg::LDA;
        const T* bs = Bs + (kt % S) * BK * Cfg::LDB;
        GEMM_NO_UNROLL
        for (int q = 0; q < BK; q++) {
            T av[Cfg::TM];
            T bv[Cfg::TN];
            CARNOT_UNROLL
            for (int g = 0; g < Cfg::TM / V; g++) {
                Vec16<T> w = *reinterpret_cast<const Vec16<T>*>(as + q * Cfg::LDA + simtRow<Cfg>(wm, ly, g * V));
                CARNOT_UNROLL
                for (int i = 0; i < V; i++) {
                    av[g * V + i] = w.v[i];
                }
            }
            CARNOT_UNROLL
            for (int h = 0; h < Cfg::TN / V; h++) {
                Vec16<T> w = *reinterpret_cast<const Vec16<T>*>(bs + q * Cfg::LDB + simtCol<Cfg>(wn, lx, h * V));
                CARNOT_UNROLL
                for (int j = 0; j < V; j++) {
                    bv[h * V + j] = w.v[j];
                }
            }
            CARNOT_UNROLL
            for (int i = 0; i < Cfg::TM; i++) {
                CARNOT_UNROLL
                for (int j = 0; j < Cfg::TN; j++) {
                    acc[i][j] += av[i] * bv[j];
                }
            }
        }
        if (next < kTiles) {
            store(next);
        }
        __pipeline_wait_prior(S - 2);
        __syncthreads();
    }

    const bool vecC = rowsIn && (flags & gemm::VEC_C) != 0;
    CARNOT_UNROLL
    for (int i = 0; i < Cfg::TM; i++) {
        int r = row0 + simtRow<Cfg>(wm, ly, i);
        CARNOT_UNROLL
        for (int h = 0; h < Cfg::TN / V; h++) {
            int s0 = col0 + simtCol<Cfg>(wn, lx, h * V);
            T* p = c + static_cast<i64>(r) * ldc + s0;
            if (vecC) {
                Vec16<T> w;
                if (beta != T(0)) {
                    w = *reinterpret_cast<const Vec16<T>*>(p);
                }
                CARNOT_UNROLL
                for (int j = 0; j < V; j++) {
                    w.v[j] = beta == T(0) ? alpha * acc[i][h * V + j] : alpha * acc[i][h * V + j] + beta * w.v[j];
                }
                *reinterpret_cast<Vec16<T>*>(p) = w;
            } else if (r < m) {
                CARNOT_UNROLL
                for (int j = 0; j < V; j++) {
                    if (s0 + j < n) {
                        gemm::storeC(p + j, acc[i][h * V + j], alpha, beta);
                    }
                }
            }
        }
    }
}

/** Batch entries (or k-slices when chunk > 0) blockIdx.z, blockIdx.z + gridDim.z, ... */
template <typename T, bool TA, bool TB>
__device__ void simtGemm(GEMM_PARAMS(T)) {
    using Cfg = SimtConfig<T>;
    alignas(16) __shared__ T As[Cfg::STAGES * Cfg::BK * Cfg::LDA];
    alignas(16) __shared__ T Bs[Cfg::STAGES * Cfg::BK * Cfg::LDB];
    for (int z = blockIdx.z; z < batch; z += gridDim.z) {
        Product<T> p(transA, transB, k, a, lda, strideA, b, ldb, strideB, c, strideC, z, chunk);
        simtTile<T, TA, TB>(m, n, p.k, alpha, p.a, lda, p.b, ldb, beta, p.c, ldc, flags, As, Bs);
    }
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
        gemm::storeC(c + (e / n) * ldc + e % n, acc, alpha, beta);
    }
}

// One entry per transpose pair (suffix nn, nt, tn, tt = op(A), op(B)): compile-time layouts keep each entry's
// registers to its own loader paths.
#define GEMM_ENTRY(NAME, T, TA, TB)                                                                           \
    extern "C" __global__ void __launch_bounds__(256, 2) NAME(GEMM_PARAMS(T)) {                               \
        simtGemm<T, TA, TB>(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc,   \
                            strideC, batch, chunk, flags);                                                    \
    }                                                                                                         \
    CARNOT_EXPORT(NAME)
#define GEMM_KERNEL(T, S)                                                                                    \
    GEMM_ENTRY(gemm_##S##_nn, T, false, false)                                                              \
    GEMM_ENTRY(gemm_##S##_nt, T, false, true)                                                               \
    GEMM_ENTRY(gemm_##S##_tn, T, true, false)                                                               \
    GEMM_ENTRY(gemm_##S##_tt, T, true, true)                                                                \
    extern "C" __global__ void gemm_splitk_reduce_##S(const T* partial, int splits, int m, int n, T alpha,     \
                                                     T beta, T* c, int ldc) {                                \
        gemmSplitReduceImpl<T>(partial, splits, m, n, alpha, beta, c, ldc);                                  \
    }                                                                                                        \
    CARNOT_EXPORT(gemm_splitk_reduce_##S)

GEMM_KERNEL(float, f32)
GEMM_KERNEL(double, f64)
