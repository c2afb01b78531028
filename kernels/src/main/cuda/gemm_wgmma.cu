// GEMM family, Hopper warpgroup-MMA paths (built only for the arch-specific target sm_90a; the backend launches them
// on devices of compute capability exactly 9.0, the wmma kernels of gemm_tc.cu elsewhere):
//   gemm_wgmma_tf32   f32 in, rounded to TF32 (cvt.rna: ties away) when staged, wgmma .tf32, f32 accumulate
//   gemm_wgmma_bf16   f32 in, rounded to BF16 (round to nearest even) when staged, wgmma .bf16, f32 accumulate
// Same arguments and semantics as gemm_tc.cu's entries (batched over blockIdx.z, split-K when chunk > 0).
//
// Block tile 128 x 128, 256 threads = two warpgroups; warpgroup g computes rows [64 g, 64 g + 64) x 128 with one
// wgmma.mma_async.m64n128k8 (TF32) / m64n128k16 (BF16) per 32 bytes of K, accumulators in registers (64 floats a
// thread, the ISA's fragment layout). K step per stage BK = 64 bytes of operand: 16 TF32 / 32 BF16 elements,
// 2 wgmma per warpgroup per stage; 3 stages of 16 KB (A 128 x 64 bytes, B 128 x 64 bytes) = 48 KB static shared.
//
// Shared layout (PTX ISA 9.7.15.5.1.2, "K major 64B swizzling", canonical layout Swizzle<2,4,3> o
// ((8,m),(T,2k)):((4T,SBO),(1,T))): both operands K-major (A as [m][k], B as [n][k]), rows of 64 bytes, 8-row atoms
// of 512 bytes, the 16-byte chunk c of row r stored at chunk c ^ ((r / 2) % 4). Descriptors (9.7.15.5.1.2.2):
// start = stage + 64 rows of the warpgroup (A) + 32 bytes per K step, LBO unused (1), SBO = 512 (the next 8 rows),
// base offset 0 (atoms start on 512-byte boundaries: the buffer is 1024-aligned), swizzle mode 2 (64 bytes).
// A 128-byte swizzle needs 128-byte rows, i.e. 32 KB stages: two of them exceed the 48 KB of static shared memory.
//
// Loading: every operand goes global -> registers (16-byte loads when the tile is inside and the operand vector-
// aligned, else checked scalar loads with zero fill) -> rounded or converted -> st.shared into the swizzled layout.
// TMA cannot do this: it copies bytes, while BF16 needs f32 -> bf16 conversion and TF32 needs round-to-nearest
// (wgmma truncates the low 13 bits of a .tf32 operand, PTX ISA 9.7.15.5.2 "Precision and rounding"), and TF32 has
// no transposed (MN-major) operand form. Register staging is double-buffered: the loads of stage kt + 2 are issued
// while the wgmma of stage kt run; their stores land after the wgmma of stage kt - 1 are waited for.
// Staging stores (GemmWgmmaTest simulates their banks): a k-contiguous operand chunk (4 f32) -> one 16-byte (TF32)
// or 8-byte (BF16) store: a quarter (half) warp covers two rows = 128 bytes = all banks. A transposed chunk (4 rows,
// one k) -> 4 scalar stores; lanes 0-15 / 16-31 take k 0..15 of two chunks 4 rows apart, and the upper half stores
// its rows rotated by one, so the two halves hit rows of opposite parity = opposite bank halves.
// Epilogue: each thread applies alpha, beta to its accumulator pairs and writes them with bounds checks.
// Occupancy (ptxas, kernels/CUDA.md): TF32 2 blocks = 16 warps per SM, BF16 1 block = 8 warps (registers).
#include "gemm_tile.h"
#include "wgmma.h"

#ifdef __CUDACC__
#include <mma.h>
#endif

using carnot::i64;
using gemm::Product;

namespace {

constexpr int BM = 128;
constexpr int BN = 128;
constexpr int THREADS = 256;
constexpr int STAGES = 3;
constexpr int ROW_BYTES = 64;
constexpr int TILE_BYTES = 128 * ROW_BYTES;       // one operand of one stage
constexpr int STAGE_BYTES = 2 * TILE_BYTES;       // A then B
constexpr int SMEM_BYTES = STAGES * STAGE_BYTES;  // 48 KB
constexpr int SBO = 8 * ROW_BYTES;                // bytes between 8-row core-matrix groups

struct WgTf32 {
    using S = float;
    static constexpr int BK = ROW_BYTES / 4;  // 16
    __device__ static S convert(float v) { return nvcuda::wmma::__float_to_tf32(v); }
    __device__ static void mma(float (&d)[64], wgmma::u64 a, wgmma::u64 b) { wgmma::mmaTf32(d, a, b); }
};
struct WgBf16 {
    using S = __nv_bfloat16;
    static constexpr int BK = ROW_BYTES / 2;  // 32
    __device__ static S convert(float v) { return __float2bfloat16_rn(v); }
    __device__ static void mma(float (&d)[64], wgmma::u64 a, wgmma::u64 b) { wgmma::mmaBf16(d, a, b); }
};

/** Byte offset of K byte kb of row r in a tile of 64-byte rows with the 64-byte swizzle (see the file comment). */
__device__ __forceinline__ int swizzled(int r, int kb) { return r * ROW_BYTES + (kb ^ (((r >> 1) & 3) << 4)); }

/** Matrix descriptor of a K-major operand at shared address `addr`, 64-byte swizzle, SBO 512 (see above). */
__device__ __forceinline__ wgmma::u64 descriptor(unsigned addr) {
    return static_cast<wgmma::u64>((addr & 0x3ffffu) >> 4) | (static_cast<wgmma::u64>(1) << 16)
           | (static_cast<wgmma::u64>(SBO >> 4) << 32) | (static_cast<wgmma::u64>(2) << 62);
}

/**
 * Loader of one 128 x BK operand tile (rows m or n, columns k) from f32 global memory through registers into the
 * swizzled layout. Copy mapping (k contiguous in global memory): chunk e = 4 k of row e / (BK / 4). Transposed
 * mapping (element (r, k) at g[k ld + r]): chunk e = rows 4 (e / BK) .. + 3 of column k = e % BK.
 */
template <typename P>
struct WgLoader {
    using Mode = P;
    static constexpr int BK = P::BK;
    static constexpr int CHUNKS = 128 * BK / 4 / THREADS;
    float reg[CHUNKS][4];

    __device__ void issue(const float* g, int ld, int rLim, int kLim, bool transpose, bool full, bool vec) {
        const int tid = threadIdx.x;
        CARNOT_UNROLL
        for (int i = 0; i < CHUNKS; i++) {
            int e = tid + i * THREADS;
            int r = transpose ? (e / BK) * 4 : e / (BK / 4);
            int k = transpose ? e % BK : (e % (BK / 4)) * 4;
            const float* src = transpose ? g + static_cast<i64>(k) * ld + r : g + static_cast<i64>(r) * ld + k;
            if (full && vec) {
                gemm::Vec16<float> w = *reinterpret_cast<const gemm::Vec16<float>*>(src);
                CARNOT_UNROLL
                for (int j = 0; j < 4; j++) {
                    reg[i][j] = w.v[j];
                }
            } else {
                CARNOT_UNROLL
                for (int j = 0; j < 4; j++) {
                    bool in = transpose ? r + j < rLim && k < kLim : r < rLim && k + j < kLim;
                    reg[i][j] = in ? src[j] : 0.0f;
                }
            }
        }
    }

    /** Byte offset in the tile of copy chunk e's store (its 4 elements, 16 or 8 bytes). */
    __device__ static int copyOffset(int e) {
        return swizzled(e / (BK / 4), (e % (BK / 4)) * 4 * static_cast<int>(sizeof(typename P::S)));
    }

    /** The element (0..3) of transposed chunk e that its j-th store writes: rotated by one in odd chunks. */
    __device__ static int transElement(int e, int j) { return ((e / BK) & 1) != 0 ? (j + 1) & 3 : j; }

    /** Byte offset in the tile of the j-th store of transposed chunk e (one element). */
    __device__ static int transOffset(int e, int j) {
        return swizzled((e / BK) * 4 + transElement(e, j), (e % BK) * static_cast<int>(sizeof(typename P::S)));
    }

    /** Rounds or converts the registers of the last issue() and stores them into `tile` (see the file comment). */
    __device__ void store(unsigned char* tile, bool transpose) const {
        using S = typename P::S;
        const int tid = threadIdx.x;
        CARNOT_UNROLL
        for (int i = 0; i < CHUNKS; i++) {
            int e = tid + i * THREADS;
            if (!transpose) {
                if constexpr (sizeof(S) == 4) {
                    gemm::Vec16<float> v;
                    CARNOT_UNROLL
                    for (int j = 0; j < 4; j++) {
                        v.v[j] = P::convert(reg[i][j]);
                    }
                    *reinterpret_cast<gemm::Vec16<float>*>(tile + copyOffset(e)) = v;
                } else {
                    unsigned long long w = 0;
                    CARNOT_UNROLL
                    for (int j = 0; j < 4; j++) {
                        w |= static_cast<unsigned long long>(__bfloat16_as_ushort(P::convert(reg[i][j]))) << (16 * j);
                    }
                    *reinterpret_cast<unsigned long long*>(tile + copyOffset(e)) = w;
                }
            } else {
                CARNOT_UNROLL
                for (int j = 0; j < 4; j++) {
                    float v = transElement(e, j) == j ? reg[i][j] : reg[i][(j + 1) & 3];
                    *reinterpret_cast<S*>(tile + transOffset(e, j)) = P::convert(v);
                }
            }
        }
    }
};

/** One 128 x 128 tile (blockIdx.x, blockIdx.y) of one product. */
template <typename P, bool transA, bool transB>
__device__ void wgTile(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta,
                       float* c, int ldc, int flags, unsigned char* smem) {
    constexpr int BK = P::BK;
    const int row0 = blockIdx.y * BM;
    const int col0 = blockIdx.x * BN;
    const int group = threadIdx.x / 128;
    const bool inside = row0 + BM <= m && col0 + BN <= n;
    const bool vecA = (flags & gemm::VEC_A) != 0;
    const bool vecB = (flags & gemm::VEC_B) != 0;
    const int kTiles = (k + BK - 1) / BK;
    const unsigned base = wgmma::sharedAddress(smem);
    WgLoader<P> la;
    WgLoader<P> lb;

    // tile rows are m (A) or n (B), columns k: A is k-contiguous unless transposed, B only when transposed
    auto issue = [&](int kt) {
        int k0 = kt * BK;
        bool full = inside && k0 + BK <= k;
        const float* ga = transA ? a + static_cast<i64>(k0) * lda + row0 : a + static_cast<i64>(row0) * lda + k0;
        const float* gb = transB ? b + static_cast<i64>(col0) * ldb + k0 : b + static_cast<i64>(k0) * ldb + col0;
        la.issue(ga, lda, m - row0, k - k0, transA, full, vecA);
        lb.issue(gb, ldb, n - col0, k - k0, !transB, full, vecB);
    };
    auto store = [&](int kt) {
        unsigned char* s = smem + (kt % STAGES) * STAGE_BYTES;
        la.store(s, transA);
        lb.store(s + TILE_BYTES, !transB);
    };

    float acc[64];
    CARNOT_UNROLL
    for (int i = 0; i < 64; i++) {
        acc[i] = 0.0f;
    }
    if (kTiles > 0) {
        issue(0);
        store(0);
    }
    if (kTiles > 1) {
        issue(1);
    }
    wgmma::fenceProxyAsync();
    __syncthreads();
    GEMM_NO_UNROLL
    for (int kt = 0; kt < kTiles; kt++) {
        unsigned s = base + static_cast<unsigned>((kt % STAGES) * STAGE_BYTES);
        wgmma::fenceOperands(acc);
        wgmma::fence();
        CARNOT_UNROLL
        for (int q = 0; q < ROW_BYTES / 32; q++) {
            P::mma(acc, descriptor(s + group * 64 * ROW_BYTES + q * 32), descriptor(s + TILE_BYTES + q * 32));
        }
        wgmma::commit();
        // stage kt + 1 was last read by the wgmma of stage kt - 2, complete since the last iteration's wait and barrier
        if (kt + 1 < kTiles) {
            store(kt + 1);
        }
        if (kt + 2 < kTiles) {
            issue(kt + 2);
        }
        wgmma::wait<1>();
        wgmma::fenceOperands(acc);
        wgmma::fenceProxyAsync();
        __syncthreads();
    }
    wgmma::wait<0>();
    wgmma::fenceOperands(acc);
    __syncthreads();  // both warpgroups are done with the stages before the next product's prologue refills them

    const int warp = (threadIdx.x / 32) % 4;
    const int lane = threadIdx.x % 32;
    CARNOT_UNROLL
    for (int i = 0; i < 16; i++) {
        CARNOT_UNROLL
        for (int h = 0; h < 2; h++) {
            int r = row0 + 64 * group + 16 * warp + lane / 4 + 8 * h;
            CARNOT_UNROLL
            for (int j = 0; j < 2; j++) {
                int col = col0 + 8 * i + 2 * (lane % 4) + j;
                if (r < m && col < n) {
                    gemm::storeC(c + static_cast<i64>(r) * ldc + col, acc[4 * i + 2 * h + j], alpha, beta);
                }
            }
        }
    }
}

template <typename P, bool TA, bool TB>
__device__ void wgGemm(GEMM_PARAMS(float)) {
#ifdef __CUDACC__
    __shared__ __align__(1024) unsigned char smem[SMEM_BYTES];
#else
    alignas(1024) __shared__ unsigned char smem[SMEM_BYTES];
#endif
    for (int z = blockIdx.z; z < batch; z += gridDim.z) {
        Product<float> p(transA, transB, k, a, lda, strideA, b, ldb, strideB, c, strideC, z, chunk);
        wgTile<P, TA, TB>(m, n, p.k, alpha, p.a, lda, p.b, ldb, beta, p.c, ldc, flags, smem);
    }
}

}  // namespace

// One entry per transpose pair (suffix nn, nt, tn, tt = op(A), op(B)), as in gemm_tc.cu.
#define GEMM_WG_ENTRY(NAME, P, MIN_BLOCKS, TA, TB)                                                     \
    extern "C" __global__ void __launch_bounds__(THREADS, MIN_BLOCKS) NAME(GEMM_PARAMS(float)) {      \
        wgGemm<P, TA, TB>(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, \
                          strideC, batch, chunk, flags);                                               \
    }                                                                                                  \
    CARNOT_EXPORT(NAME)
#define GEMM_WG_KERNELS(S, P, MIN_BLOCKS)                            \
    GEMM_WG_ENTRY(gemm_wgmma_##S##_nn, P, MIN_BLOCKS, false, false) \
    GEMM_WG_ENTRY(gemm_wgmma_##S##_nt, P, MIN_BLOCKS, false, true)  \
    GEMM_WG_ENTRY(gemm_wgmma_##S##_tn, P, MIN_BLOCKS, true, false)  \
    GEMM_WG_ENTRY(gemm_wgmma_##S##_tt, P, MIN_BLOCKS, true, true)

// TF32: 2 blocks per SM (<= 128 registers, no spills); BF16 holds twice the staged elements (32 f32 a thread) and
// spills at 128 registers, so 1 block per SM (158-197 registers)
GEMM_WG_KERNELS(tf32, WgTf32, 2)
GEMM_WG_KERNELS(bf16, WgBf16, 1)

#ifndef __CUDACC__
// Test hooks of the host emulation only (not GPU kernels): GemmWgmmaTest.

/**
 * The staging stores' byte offsets for all 256 threads, in selftest_gemm_smem_offsets' format (out[0] = patterns;
 * pattern p at 1 + 258 p: tag, width, 256 offsets): tag 1 / 2 TF32 copy / transposed, 3 / 4 BF16 copy / transposed.
 */
extern "C" __global__ void selftest_wgmma_smem_offsets(int* out) {
    int p = 0;
    auto emit = [&](int tag, int width, int bytes) {
        int at = 1 + p * 258;
        if (threadIdx.x == 0) {
            out[at] = tag;
            out[at + 1] = width;
        }
        out[at + 2 + threadIdx.x] = bytes;
        p++;
    };
    auto loader = [&](auto tag, auto* marker) {
        using L = std::remove_pointer_t<decltype(marker)>;
        int size = static_cast<int>(sizeof(typename L::Mode::S));
        for (int i = 0; i < L::CHUNKS; i++) {
            int e = static_cast<int>(threadIdx.x) + i * THREADS;
            emit(tag, 4 * size, L::copyOffset(e));
            for (int j = 0; j < 4; j++) {
                emit(tag + 1, size, L::transOffset(e, j));
            }
        }
    };
    loader(1, static_cast<WgLoader<WgTf32>*>(nullptr));
    loader(3, static_cast<WgLoader<WgBf16>*>(nullptr));
    if (threadIdx.x == 0) {
        out[0] = p;
    }
}
CARNOT_EXPORT(selftest_wgmma_smem_offsets)

/**
 * The emulation's decoding of a K-major operand descriptor: out[2 r + c] = shared address of K bytes [16 c, 16 c + 16)
 * of row r, for r < rows (PTX ISA 9.7.15.5.1.2; the emulation's reading of the layouts, not the kernels' encoding).
 */
extern "C" __global__ void selftest_wgmma_decode(unsigned long long desc, int rows, int* out) {
    emu::wg::Descriptor d = emu::wg::decode(desc);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < 2; c++) {
            out[2 * r + c] = static_cast<int>(emu::wg::kMajorAddress(d, r, 16 * c));
        }
    }
}
CARNOT_EXPORT(selftest_wgmma_decode)
#endif
