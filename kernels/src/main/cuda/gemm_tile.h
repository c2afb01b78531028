// Shared pieces of the GEMM kernels (gemm.cu: SIMT; gemm_tc.cu: tensor cores): the kernel argument list, the
// operand tile loaders from global to shared memory, the multi-stage cp.async pipeline and the epilogue helpers.
//
// Operand tiles. A tile in shared memory is R rows of C contiguous elements with a row pitch of LD elements
// (LD - C is the padding). Its global source is either laid out the same way (a *copy*: element (r, c) at
// g[r * ld + c]) or transposed (element (r, c) at g[c * ld + r]). Which one depends on the kernel's shared layout
// and the operand's transpose flag; both are runtime-uniform per launch.
//   * copy, same element type: cp.async (16 bytes per chunk when the tile lies inside the matrix and the operand
//     is 16-byte aligned with ld a multiple of the vector width; else element-sized cp.async with bounds checks and
//     zero fill);
//   * transpose, or a converting copy (f32 -> bf16): 16-byte (or checked scalar) global loads into registers,
//     issued before the current stage's math and stored to shared memory after it (register double buffering).
// Chunk -> thread mappings (chosen so that every shared store is free of bank conflicts; PtxasReportTest's sibling
// GemmSharedBanksTest simulates the bank of every access of every shipped configuration from these very functions,
// through the selftest kernel selftest_gemm_smem_addresses):
//   * copy: chunk e -> row e / (C / V), column V (e % (C / V)); with SWAP the row's bits 0 and 2 are exchanged so
//     that the two rows a quarter (half) warp stores are 4 apart (64-byte rows padded to 80 bytes: rows 4 apart
//     start 16 banks apart);
//   * transpose: chunk e -> CF consecutive chunks along the column (the global row), then the V-row chunks, then
//     the next CF columns: CF = 1 keeps a warp's global reads in 32-byte sectors (SIMT), CF = C puts a warp's
//     stores into distinct banks when rows are 80 bytes apart (tensor-core tiles).
#pragma once
#include "carnot_cuda.h"

#ifdef __CUDACC__
#include <cuda_bf16.h>
#include <cuda_pipeline_primitives.h>
#include <type_traits>
#endif

/** Keeps the next loop rolled (register pressure: no software pipelining of fragment loads across its steps). */
#ifdef __CUDACC__
#define GEMM_NO_UNROLL _Pragma("unroll 1")
#else
#define GEMM_NO_UNROLL
#endif

namespace gemm {

using carnot::i64;

/** 16 bytes of T, moved as one vector access (ld.global.v4.f32 / v2.f64, cp.async 16). */
template <typename T>
struct alignas(16) Vec16 {
    T v[16 / sizeof(T)];
};

/** Flag bits of the kernels' `flags` argument: operand base, leading dimension and batch stride 16-byte aligned. */
constexpr int VEC_A = 1;
constexpr int VEC_B = 2;
constexpr int VEC_C = 4;

/** Exchanges bits 0 and 2 of a row index (see the file comment). */
__device__ __forceinline__ int swapRowBits(int r) { return (r & ~5) | ((r & 1) << 2) | ((r >> 2) & 1); }

/** Shared element from a global one: identity, or f32 -> bf16 round-to-nearest-even. */
template <typename S, typename G>
__device__ __forceinline__ S toShared(G v) {
    if constexpr (sizeof(S) == sizeof(G)) {
        return v;
    } else {
        return __float2bfloat16_rn(v);
    }
}

template <typename S>
__device__ __forceinline__ S sharedZero() {
    if constexpr (sizeof(S) == 2) {
        return __float2bfloat16_rn(0.0f);
    } else {
        return S(0);
    }
}

/**
 * Loader of one R x C operand tile (row pitch LD elements of S) by THREADS threads from global elements G.
 * See the file comment for the mappings (CF, SWAP).
 */
template <typename G, typename S, int R, int C, int LD, int THREADS, int CF, bool SWAP>
struct TileLoader {
    static constexpr int V = 16 / static_cast<int>(sizeof(G));
    static constexpr int CHUNKS = R * C / V / THREADS;
    static_assert(R * C % (V * THREADS) == 0, "tile must split into 16-byte chunks evenly over the threads");
    static_assert(C % V == 0 && R % V == 0, "tile extents must be multiples of the vector width");
    static_assert(!SWAP || R % 8 == 0, "row swapping needs rows in groups of 8");
    static constexpr bool SAME = sizeof(G) == sizeof(S);

    /** Copy mapping: first row r and first column c of chunk e (V elements along the row). */
    __device__ static void copyPos(int e, int& r, int& c) {
        r = e / (C / V);
        c = (e % (C / V)) * V;
        if (SWAP) {
            r = swapRowBits(r);
        }
    }

    /** Transpose mapping: first row r of the V rows and the column c of chunk e (V elements down the column). */
    __device__ static void transPos(int e, int& r, int& c) {
        int lo = e % CF;
        int rest = e / CF;
        r = (rest % (R / V)) * V;
        c = (rest / (R / V)) * CF + lo;
    }

    G reg[CHUNKS][V];

    /**
     * Starts loading the tile whose (0, 0) element is g (rows valid below rLim, columns below cLim) into `smem`.
     * A copy of the same type is queued as cp.async; anything else is loaded into registers for store().
     * full: the whole tile is inside the matrix; vec: 16-byte vectors are allowed.
     */
    __device__ void issue(S* smem, const G* g, int ld, int rLim, int cLim, bool transpose, bool full, bool vec) {
        const int tid = threadIdx.x;
        CARNOT_UNROLL
        for (int i = 0; i < CHUNKS; i++) {
            int e = tid + i * THREADS;
            int r;
            int c;
            if (!transpose) {
                copyPos(e, r, c);
                const G* src = g + static_cast<i64>(r) * ld + c;
                if (SAME) {
                    S* dst = smem + r * LD + c;
                    if (full && vec) {
                        __pipeline_memcpy_async(dst, src, 16);
                    } else {
                        CARNOT_UNROLL
                        for (int j = 0; j < V; j++) {
                            if (r < rLim && c + j < cLim) {
                                __pipeline_memcpy_async(dst + j, src + j, sizeof(G));
                            } else {
                                dst[j] = sharedZero<S>();
                            }
                        }
                    }
                } else if (full && vec) {
                    Vec16<G> w = *reinterpret_cast<const Vec16<G>*>(src);
                    CARNOT_UNROLL
                    for (int j = 0; j < V; j++) {
                        reg[i][j] = w.v[j];
                    }
                } else {
                    CARNOT_UNROLL
                    for (int j = 0; j < V; j++) {
                        reg[i][j] = r < rLim && c + j < cLim ? src[j] : G(0);
                    }
                }
            } else {
                transPos(e, r, c);
                const G* src = g + static_cast<i64>(c) * ld + r;
                if (full && vec) {
                    Vec16<G> w = *reinterpret_cast<const Vec16<G>*>(src);
                    CARNOT_UNROLL
                    for (int j = 0; j < V; j++) {
                        reg[i][j] = w.v[j];
                    }
                } else {
                    CARNOT_UNROLL
                    for (int j = 0; j < V; j++) {
                        reg[i][j] = c < cLim && r + j < rLim ? src[j] : G(0);
                    }
                }
            }
        }
    }

    /** Whether issue() left data in registers for store(). */
    __device__ static bool staged(bool transpose) { return transpose || !SAME; }

    /**
     * Stores the registers of the last issue() (when staged) into `smem`: transposed, element by element; or, for a
     * converting copy, as one packed access per chunk (a same-type copy is never staged: it went by cp.async).
     */
    __device__ void store(S* smem, bool transpose) const {
        const int tid = threadIdx.x;
        CARNOT_UNROLL
        for (int i = 0; i < CHUNKS; i++) {
            int e = tid + i * THREADS;
            int r;
            int c;
            if (transpose) {
                transPos(e, r, c);
                CARNOT_UNROLL
                for (int j = 0; j < V; j++) {
                    smem[(r + j) * LD + c] = toShared<S>(reg[i][j]);
                }
            } else if constexpr (!SAME) {
                // a converting copy (f32 -> bf16): the 4 converted elements are contiguous, stored as one 8-byte
                // access (a struct of 4 bf16 would be copied member by member)
                static_assert(V * sizeof(S) == 8, "a converting copy packs 4 bf16 into 8 bytes");
                copyPos(e, r, c);
                unsigned long long w = 0;
                CARNOT_UNROLL
                for (int j = 0; j < V; j++) {
                    w |= static_cast<unsigned long long>(__bfloat16_as_ushort(toShared<S>(reg[i][j]))) << (16 * j);
                }
                *reinterpret_cast<unsigned long long*>(smem + r * LD + c) = w;
            }
        }
    }
};

/**
 * SIMT tile geometry (gemm.cu): 256 threads as 4 x 2 warps, lanes 4 (m) x 8 (n), k-major shared tiles padded by 4
 * (f32) or 2 (f64) elements, 3 stages.
 */
template <typename T>
struct SimtConfig {
    static constexpr int BM = sizeof(T) == 4 ? 128 : 64;
    static constexpr int BN = BM;
    static constexpr int BK = 8;
    // f32: the two 4-row chunks a warp's transposed stores write are 4 rows = 528 words apart (16 banks);
    // f64: the four 2-row chunks a half warp writes are 2 rows = 132 doubles apart (4 of the 16 double slots)
    static constexpr int PAD = sizeof(T) == 4 ? 4 : 2;
    static constexpr int STAGES = 3;
    static constexpr int THREADS = 256;
    static constexpr int WARPS_M = 4;
    static constexpr int WARPS_N = 2;
    static constexpr int V = 16 / static_cast<int>(sizeof(T));
    static constexpr int WTM = BM / WARPS_M;
    static constexpr int WTN = BN / WARPS_N;
    static constexpr int TM = WTM / 4;
    static constexpr int TN = WTN / 8;
    static constexpr int LDA = BM + PAD;
    static constexpr int LDB = BN + PAD;
    using LoadA = TileLoader<T, T, BK, BM, LDA, THREADS, 1, false>;
    using LoadB = TileLoader<T, T, BK, BN, LDB, THREADS, 1, false>;
};

/** Row (in the block tile) of thread-tile row t of lane row ly in warp row wm; columns likewise with 8 lanes. */
template <typename Cfg>
__device__ __forceinline__ int simtRow(int wm, int ly, int t) {
    return wm * Cfg::WTM + (t / Cfg::V) * 4 * Cfg::V + ly * Cfg::V + t % Cfg::V;
}
template <typename Cfg>
__device__ __forceinline__ int simtCol(int wn, int lx, int t) {
    return wn * Cfg::WTN + (t / Cfg::V) * 8 * Cfg::V + lx * Cfg::V + t % Cfg::V;
}

// Tensor-core tile geometries (gemm_tc.cu): k-contiguous shared rows (see gemm_tc.cu).
/** TF32 tensor-core tile geometry (gemm_tc.cu adds the wmma operand type). */
struct Tf32Tile {
    using G = float;
    using S = float;
    static constexpr int BM = 128, BN = 64, BK = 16, PAD = 4, WARPS_M = 4, WARPS_N = 2, FM = 16, FN = 16, FK = 8;
    static constexpr int STAGES = 3;
    static constexpr bool SWAP = true;  // 64-byte rows (80 with the pad): a quarter warp's two rows 4 apart
};
/** BF16 tensor-core tile geometry. */
struct Bf16Tile {
    using G = float;
    using S = __nv_bfloat16;
    static constexpr int BM = 128, BN = 64, BK = 16, PAD = 8, WARPS_M = 4, WARPS_N = 2, FM = 16, FN = 16, FK = 16;
    static constexpr int STAGES = 2;  // converted in registers: a third stage would add no overlap
    static constexpr bool SWAP = true;  // 8-byte stores, 32-byte rows (48 with the pad): a half warp's 4 rows 0, 4, 2, 6
};
/** f64 DMMA tile geometry. */
struct DmmaTile {
    using G = double;
    using S = double;
    static constexpr int BM = 64, BN = 64, BK = 16, PAD = 4, WARPS_M = 2, WARPS_N = 4, FM = 8, FN = 8, FK = 4;
    static constexpr int STAGES = 2;
    static constexpr bool SWAP = false;  // 128-byte rows: a quarter warp stores one whole row
};

template <typename P>
struct TcConfig {
    using G = typename P::G;
    using S = typename P::S;
    static constexpr int THREADS = 32 * P::WARPS_M * P::WARPS_N;
    static constexpr int STAGES = P::STAGES;
    static constexpr int LD = P::BK + P::PAD;
    static constexpr int WTM = P::BM / P::WARPS_M;
    static constexpr int WTN = P::BN / P::WARPS_N;
    static constexpr int TILES_M = WTM / P::FM;
    static constexpr int TILES_N = WTN / P::FN;
    using LoadA = TileLoader<G, S, P::BM, P::BK, LD, THREADS, P::BK, P::SWAP>;
    using LoadB = TileLoader<G, S, P::BN, P::BK, LD, THREADS, P::BK, P::SWAP>;
    static constexpr int STAGE_A = P::BM * LD;
    static constexpr int STAGE_B = P::BN * LD;
    static constexpr int SMEM_BYTES = STAGES * (STAGE_A + STAGE_B) * static_cast<int>(sizeof(S));
    static_assert(SMEM_BYTES <= 48 * 1024, "static shared memory is limited to 48 KB");
    static_assert(P::WARPS_M * P::WARPS_N * P::FM * P::FN * sizeof(G) <= SMEM_BYTES, "epilogue scratch must fit");
};

/** c = alpha * acc (+ beta * c unless beta == 0: then c is not read, so NaN garbage is overwritten). */
template <typename T>
__device__ __forceinline__ void storeC(T* p, T acc, T alpha, T beta) {
    *p = beta == T(0) ? alpha * acc : alpha * acc + beta * *p;
}

/**
 * One product of a launch, for batch entry or k-slice z: operands offset by z's strides, or (split-K, chunk > 0)
 * by the slice [z chunk, min(k, (z + 1) chunk)) of the inner dimension; c then points at slice z's partial.
 */
template <typename T>
struct Product {
    const T* a;
    const T* b;
    T* c;
    int k;

    __device__ Product(int transA, int transB, int k0, const T* A, int lda, i64 strideA, const T* B, int ldb,
                       i64 strideB, T* C, i64 strideC, int z, int chunk) {
        if (chunk > 0) {
            int start = z * chunk;
            k = k0 - start < chunk ? k0 - start : chunk;
            a = transA ? A + static_cast<i64>(start) * lda : A + start;
            b = transB ? B + start : B + static_cast<i64>(start) * ldb;
        } else {
            k = k0;
            a = A + static_cast<i64>(z) * strideA;
            b = B + static_cast<i64>(z) * strideB;
        }
        c = C + static_cast<i64>(z) * strideC;
    }
};

}  // namespace gemm

/** The parameter list shared by every GEMM kernel entry (GemmCuda packs it): T is the element type of A, B, C. */
#define GEMM_PARAMS(T)                                                                                          \
    int transA, int transB, int m, int n, int k, T alpha, const T *a, int lda, long long strideA, const T *b,   \
        int ldb, long long strideB, T beta, T *c, int ldc, long long strideC, int batch, int chunk, int flags
