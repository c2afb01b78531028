// GEMM family, tensor-core paths (sm_80+; on older targets the entries trap and GemmCuda never launches them):
//   gemm_tc_tf32   f32 in, rounded to TF32 (cvt.rna: 10 mantissa bits, ties away), f32 accumulate  (opt-in)
//   gemm_tc_bf16   f32 in, rounded to BF16 (round to nearest even, 7 mantissa bits), f32 accumulate (opt-in)
//   gemm_tc_f64    f64 DMMA (wmma 8 x 8 x 4): IEEE f64 FMAs, the f64 path on sm_80+
// Same arguments and semantics as gemm.cu's gemm_T (batched over blockIdx.z, split-K when chunk > 0).
//
// Both operands are kept k-contiguous in shared memory whatever their global layout: As[BM][BK + pad] (row_major
// matrix_a fragments), Bs[BN][BK + pad] (col_major matrix_b fragments), rows padded to 80 bytes (TF32, BF16) or
// 160 bytes (f64). Then a warp's fragment loads (the mma.m16n8k8 / m16n8k16 / m8n8k4 operand layouts that wmma
// compiles to: lane (g, t) = (lane / 4, lane % 4) reads row g, word t) hit 32 distinct banks, and so do the loaders'
// stores (GemmSharedBanksTest). An operand that is k-contiguous in global memory (A, B^T) arrives by cp.async
// (TF32, f64) or 16-byte loads converted to bf16 in registers (BF16); the other one through registers, stored
// transposed after the stage's math.
//   TF32: block 128 x 128, k step 16, 8 warps as 2 x 4, warp tile 64 x 32 = 4 x 2 fragments 16 x 16 x 8, 2 stages
//         (40 KB; a third stage would need dynamic shared memory above 48 KB)
//   BF16: block 128 x 128, k step 32, 8 warps as 2 x 4, warp tile 64 x 32 = 4 x 2 fragments 16 x 16 x 16, 2 stages
//   f64:  block  64 x  64, k step 16, 4 warps as 2 x 2, warp tile 32 x 32 = 4 x 4 fragments 8 x 8 x 4, 2 stages
// Epilogue: each accumulator fragment goes through a per-warp 16 x 16 (8 x 8) scratch in the freed shared memory,
// then lanes apply alpha, beta with bounds checks and write rows of C.
#include "gemm_tile.h"

#ifdef __CUDACC__
#include <mma.h>
#endif

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
#define GEMM_TC_UNSUPPORTED 1
#endif

using carnot::i64;
using gemm::Product;
using gemm::TcConfig;
namespace wmma = nvcuda::wmma;

#ifndef GEMM_TC_UNSUPPORTED

struct Tf32 : gemm::Tf32Tile {
    using In = wmma::precision::tf32;
    __device__ static float round(float v) { return wmma::__float_to_tf32(v); }
};
struct Bf16 : gemm::Bf16Tile {
    using In = __nv_bfloat16;
};
struct Dmma : gemm::DmmaTile {
    using In = double;
};

/** Rounds the operand fragment's elements to TF32 (cvt.rna); BF16 and f64 fragments are used as loaded. */
template <typename P, typename F>
__device__ __forceinline__ void roundFragment(F& f) {
    if constexpr (std::is_same<P, Tf32>::value) {
        CARNOT_UNROLL
        for (int t = 0; t < f.num_elements; t++) {
            f.x[t] = P::round(f.x[t]);
        }
    }
}

/** One BM x BN tile (blockIdx.x, blockIdx.y) of one product, shared memory `smem` (SMEM_BYTES). */
template <typename P, bool transA, bool transB>
__device__ void tcTile(int m, int n, int k, typename P::G alpha, const typename P::G* a,
                       int lda, const typename P::G* b, int ldb, typename P::G beta, typename P::G* c, int ldc,
                       int flags, unsigned char* smem) {
    using Cfg = TcConfig<P>;
    using G = typename P::G;
    using S = typename P::S;
    constexpr int BK = P::BK;
    constexpr int LD = Cfg::LD;
    S* As = reinterpret_cast<S*>(smem);
    S* Bs = As + Cfg::STAGES * Cfg::STAGE_A;
    const int row0 = blockIdx.y * P::BM;
    const int col0 = blockIdx.x * P::BN;
    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    const int wm = (warp / P::WARPS_N) * Cfg::WTM;
    const int wn = (warp % P::WARPS_N) * Cfg::WTN;
    const bool inside = row0 + P::BM <= m && col0 + P::BN <= n;
    const bool vecA = (flags & gemm::VEC_A) != 0;
    const bool vecB = (flags & gemm::VEC_B) != 0;
    typename Cfg::LoadA la;
    typename Cfg::LoadB lb;
    const int kTiles = (k + BK - 1) / BK;

    // tile rows are m (A) or n (B), columns k: A is a copy unless transposed, B a copy only when transposed
    auto issue = [&](int kt) {
        int k0 = kt * BK;
        int s = kt % Cfg::STAGES;
        bool full = inside && k0 + BK <= k;
        const G* ga = transA ? a + static_cast<i64>(k0) * lda + row0 : a + static_cast<i64>(row0) * lda + k0;
        const G* gb = transB ? b + static_cast<i64>(col0) * ldb + k0 : b + static_cast<i64>(k0) * ldb + col0;
        la.issue(As + s * Cfg::STAGE_A, ga, lda, m - row0, k - k0, transA, full, vecA);
        lb.issue(Bs + s * Cfg::STAGE_B, gb, ldb, n - col0, k - k0, !transB, full, vecB);
    };
    auto store = [&](int kt) {
        int s = kt % Cfg::STAGES;
        if (la.staged(transA)) {
            la.store(As + s * Cfg::STAGE_A, transA);
        }
        if (lb.staged(!transB)) {
            lb.store(Bs + s * Cfg::STAGE_B, !transB);
        }
    };

    wmma::fragment<wmma::accumulator, P::FM, P::FN, P::FK, G> acc[Cfg::TILES_M][Cfg::TILES_N];
    CARNOT_UNROLL
    for (int i = 0; i < Cfg::TILES_M; i++) {
        CARNOT_UNROLL
        for (int j = 0; j < Cfg::TILES_N; j++) {
            wmma::fill_fragment(acc[i][j], G(0));
        }
    }
    CARNOT_UNROLL
    for (int kt = 0; kt < Cfg::STAGES - 1; kt++) {
        if (kt < kTiles) {
            issue(kt);
            store(kt);
        }
        __pipeline_commit();
    }
    __pipeline_wait_prior(Cfg::STAGES - 2);
    __syncthreads();
    for (int kt = 0; kt < kTiles; kt++) {
        int next = kt + Cfg::STAGES - 1;
        if (next < kTiles) {
            issue(next);
        }
        __pipeline_commit();
        const S* as = As + (kt % Cfg::STAGES) * Cfg::STAGE_A;
        const S* bs = Bs + (kt % Cfg::STAGES) * Cfg::STAGE_B;
        GEMM_NO_UNROLL
        for (int q = 0; q < BK; q += P::FK) {
            wmma::fragment<wmma::matrix_a, P::FM, P::FN, P::FK, typename P::In, wmma::row_major> fa[Cfg::TILES_M];
            wmma::fragment<wmma::matrix_b, P::FM, P::FN, P::FK, typename P::In, wmma::col_major> fb[Cfg::TILES_N];
            CARNOT_UNROLL
            for (int i = 0; i < Cfg::TILES_M; i++) {
                wmma::load_matrix_sync(fa[i], as + (wm + i * P::FM) * LD + q, LD);
                roundFragment<P>(fa[i]);
            }
            CARNOT_UNROLL
            for (int j = 0; j < Cfg::TILES_N; j++) {
                wmma::load_matrix_sync(fb[j], bs + (wn + j * P::FN) * LD + q, LD);
                roundFragment<P>(fb[j]);
            }
            CARNOT_UNROLL
            for (int i = 0; i < Cfg::TILES_M; i++) {
                CARNOT_UNROLL
                for (int j = 0; j < Cfg::TILES_N; j++) {
                    wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
                }
            }
        }
        if (next < kTiles) {
            store(next);
        }
        __pipeline_wait_prior(Cfg::STAGES - 2);
        __syncthreads();
    }

    G* scratch = reinterpret_cast<G*>(smem) + warp * P::FM * P::FN;
    CARNOT_UNROLL
    for (int i = 0; i < Cfg::TILES_M; i++) {
        CARNOT_UNROLL
        for (int j = 0; j < Cfg::TILES_N; j++) {
            wmma::store_matrix_sync(scratch, acc[i][j], P::FN, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < P::FM * P::FN; e += 32) {
                int r = row0 + wm + i * P::FM + e / P::FN;
                int s = col0 + wn + j * P::FN + e % P::FN;
                if (r < m && s < n) {
                    gemm::storeC(c + static_cast<i64>(r) * ldc + s, scratch[e], alpha, beta);
                }
            }
            __syncwarp();
        }
    }
    __syncthreads();
}

template <typename P, bool TA, bool TB>
__device__ void tcGemm(GEMM_PARAMS(typename P::G)) {
    alignas(128) __shared__ unsigned char smem[TcConfig<P>::SMEM_BYTES];
    for (int z = blockIdx.z; z < batch; z += gridDim.z) {
        Product<typename P::G> p(transA, transB, k, a, lda, strideA, b, ldb, strideB, c, strideC, z, chunk);
        tcTile<P, TA, TB>(m, n, p.k, alpha, p.a, lda, p.b, ldb, beta, p.c, ldc, flags, smem);
    }
}

#define GEMM_TC_BODY(P, TA, TB)                                                                               \
    tcGemm<P, TA, TB>(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC,   \
                      batch, chunk, flags)
#else
#define GEMM_TC_BODY(P, TA, TB) __trap()
#endif

// One entry per transpose pair (suffix nn, nt, tn, tt = op(A), op(B)): the layouts are compile-time, so each
// entry holds only its own loader paths (with runtime transposes ptxas kept every path's addresses live and spilled).
#define GEMM_TC_ENTRY(NAME, P, T, BOUNDS, TA, TB)                                                            \
    extern "C" __global__ void __launch_bounds__ BOUNDS NAME(GEMM_PARAMS(T)) { GEMM_TC_BODY(P, TA, TB); }   \
    CARNOT_EXPORT(NAME)
#define GEMM_TC_KERNELS(S, P, T, BOUNDS)                      \
    GEMM_TC_ENTRY(gemm_tc_##S##_nn, P, T, BOUNDS, false, false) \
    GEMM_TC_ENTRY(gemm_tc_##S##_nt, P, T, BOUNDS, false, true)  \
    GEMM_TC_ENTRY(gemm_tc_##S##_tn, P, T, BOUNDS, true, false)  \
    GEMM_TC_ENTRY(gemm_tc_##S##_tt, P, T, BOUNDS, true, true)

GEMM_TC_KERNELS(tf32, Tf32, float, (256, 2))
GEMM_TC_KERNELS(bf16, Bf16, float, (256, 2))
GEMM_TC_KERNELS(f64, Dmma, double, (256, 2))
