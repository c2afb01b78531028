// Self-test kernels for the launch-model semantics (used by the emulator tests; harmless on a GPU, never loaded
// by CudaBackend): shared memory + __syncthreads per block, warp shuffles, atomics across blocks, and (emulation
// only) a divergent barrier that the emulator must report instead of hanging.
#include "carnot_cuda.h"

using carnot::i64;

/** out[b * blockDim + t] = 1000 b + (blockDim - 1 - t), read back through shared memory after a barrier. */
extern "C" __global__ void selftest_block_reverse(int* out) {
    __shared__ int buf[1024];
    int t = threadIdx.x;
    buf[t] = 1000 * static_cast<int>(blockIdx.x) + t;
    __syncthreads();
    out[static_cast<i64>(blockIdx.x) * blockDim.x + t] = buf[blockDim.x - 1 - t];
}
CARNOT_EXPORT(selftest_block_reverse)

/** Per thread t (lane l, value v = l * l + 1): xor-1 partner's v, v of lane l + 5 (own v past the warp), warp sum. */
extern "C" __global__ void selftest_shuffle(int* out) {
    int t = threadIdx.x;
    int lane = t & 31;
    int v = lane * lane + 1;
    out[3 * t] = __shfl_xor_sync(0xffffffffu, v, 1);
    out[3 * t + 1] = __shfl_down_sync(0xffffffffu, v, 5);
    out[3 * t + 2] = carnot::warpReduce(v, carnot::SumOp());
}
CARNOT_EXPORT(selftest_shuffle)

/** Every thread of the grid adds 1 to counter[0] and its block index to counter[1]. */
extern "C" __global__ void selftest_atomic_count(int* counter) {
    atomicAdd(counter, 1);
    atomicAdd(counter + 1, static_cast<int>(blockIdx.x));
}
CARNOT_EXPORT(selftest_atomic_count)

#ifndef __CUDACC__
/** Undefined on a GPU: half of warp 0 waits at __syncthreads, the other half at a full-warp shuffle (never met). */
extern "C" __global__ void selftest_divergent_barrier(int* out) {
    if (threadIdx.x < 16) {
        __syncthreads();
    } else {
        out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, static_cast<int>(threadIdx.x), 1);
    }
}
CARNOT_EXPORT(selftest_divergent_barrier)
#endif

// ---- GEMM support: tensor-core rounding and wmma as the kernels use them, and the shared-memory access offsets
// ---- of every GEMM configuration (GemmSharedBanksTest simulates their banks). Need sm_80 (trap before).
#include "gemm_tile.h"
#ifdef __CUDACC__
#include <mma.h>
#endif
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
#define SELFTEST_SM80 1
#endif

/** The test inputs of selftest_tc_rounding: fixed bit patterns (ties, overflow, NaN, subnormal), then an LCG. */
__device__ unsigned selftestRoundingInput(int i) {
    const unsigned fixed[] = {0x3f801000u, 0x3f800fffu, 0xbf801000u, 0x3f803000u, 0x3f808000u, 0x3f818000u,
                              0xbf808000u, 0x7f7fffffu, 0x7fc00001u, 0x00001000u, 0x00000fffu, 0x80003000u,
                              0x3f807fffu, 0x3f7fffffu, 0x00000000u, 0x80000000u};
    if (i < 16) {
        return fixed[i];
    }
    unsigned x = 2654435761u * static_cast<unsigned>(i) + 12345u;
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    x ^= x >> 15;
    return (x & 0x807fffffu) | ((static_cast<unsigned>(i) % 200u + 27u) << 23);  // exponents 27..226: normal
}

/** out[2 i] = tf32 bits of input i (wmma::__float_to_tf32), out[2 i + 1] = its bf16 bits (__float2bfloat16_rn). */
extern "C" __global__ void selftest_tc_rounding(int* out) {
#ifdef SELFTEST_SM80
    int i = threadIdx.x;
    float x = __uint_as_float(selftestRoundingInput(i));
    out[2 * i] = static_cast<int>(__float_as_uint(nvcuda::wmma::__float_to_tf32(x)));
    __nv_bfloat16 h = __float2bfloat16_rn(x);
    out[2 * i + 1] = static_cast<int>(__float_as_uint(__bfloat162float(h)) >> 16);
#else
    __trap();
#endif
}
CARNOT_EXPORT(selftest_tc_rounding)

/** Input i of selftest_tc_mma: a float in (-2, -1] or [1, 2) with random mantissa bits. */
__device__ float selftestMmaInput(int i) {
    unsigned x = 2246822519u * static_cast<unsigned>(i) + 374761393u;
    x ^= x >> 15;
    x *= 0x2c1b3c6du;
    x ^= x >> 12;
    return __uint_as_float(0x3f800000u | (x & 0x807fffffu));
}

/**
 * One warp multiplies fixed tiles with the wmma shapes of gemm_tc.cu: out[0, 256) the 16 x 16 f32 bits of a TF32
 * 16 x 16 x 8 product (operands rounded with __float_to_tf32), out[256, 512) those of a BF16 16 x 16 x 16 product
 * (operands rounded with __float2bfloat16_rn), out[512, 640) the 8 x 8 f64 bits (low word first) of a DMMA
 * 8 x 8 x 4 product. A is row-major, B column-major (as in the kernels). Inputs: selftestMmaInput of A(i, k) at
 * i * K + k, of B(k, n) at 200 + k * N + n (TF32), 400 + ..., 700 + ... (BF16), 1000 + ..., 1100 + ... (f64, the
 * float input plus index * 2^-40).
 */
extern "C" __global__ void selftest_tc_mma(int* out) {
#ifdef SELFTEST_SM80
    namespace wmma = nvcuda::wmma;
    alignas(32) __shared__ float a32[16 * 8];
    alignas(32) __shared__ float b32[16 * 8];
    alignas(32) __shared__ __nv_bfloat16 a16[16 * 16];
    alignas(32) __shared__ __nv_bfloat16 b16[16 * 16];
    alignas(32) __shared__ double a64[8 * 4];
    alignas(32) __shared__ double b64[8 * 4];
    alignas(32) __shared__ float c32[256];
    alignas(32) __shared__ double c64[64];
    int lane = threadIdx.x;
    for (int e = lane; e < 128; e += 32) {
        a32[e] = selftestMmaInput(e);                                  // (i, k) = (e / 8, e % 8)
        b32[(e % 16) * 8 + e / 16] = selftestMmaInput(200 + e);        // (k, n) = (e / 16, e % 16), column-major
    }
    for (int e = lane; e < 256; e += 32) {
        a16[e] = __float2bfloat16_rn(selftestMmaInput(400 + e));
        b16[(e % 16) * 16 + e / 16] = __float2bfloat16_rn(selftestMmaInput(700 + e));
    }
    for (int e = lane; e < 32; e += 32) {
        a64[e] = static_cast<double>(selftestMmaInput(1000 + e)) + (1000 + e) * 0x1p-40;
        b64[(e % 8) * 4 + e / 8] = static_cast<double>(selftestMmaInput(1100 + e)) + (1100 + e) * 0x1p-40;
    }
    __syncwarp();
    {
        wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major> fb;
        wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc;
        wmma::load_matrix_sync(fa, a32, 8);
        wmma::load_matrix_sync(fb, b32, 8);
        for (int t = 0; t < fa.num_elements; t++) {
            fa.x[t] = wmma::__float_to_tf32(fa.x[t]);
        }
        for (int t = 0; t < fb.num_elements; t++) {
            fb.x[t] = wmma::__float_to_tf32(fb.x[t]);
        }
        wmma::fill_fragment(acc, 0.0f);
        wmma::mma_sync(acc, fa, fb, acc);
        wmma::store_matrix_sync(c32, acc, 16, wmma::mem_row_major);
        __syncwarp();
        for (int e = lane; e < 256; e += 32) {
            out[e] = static_cast<int>(__float_as_uint(c32[e]));
        }
        __syncwarp();
    }
    {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> fb;
        wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
        wmma::load_matrix_sync(fa, a16, 16);
        wmma::load_matrix_sync(fb, b16, 16);
        wmma::fill_fragment(acc, 0.0f);
        wmma::mma_sync(acc, fa, fb, acc);
        wmma::store_matrix_sync(c32, acc, 16, wmma::mem_row_major);
        __syncwarp();
        for (int e = lane; e < 256; e += 32) {
            out[256 + e] = static_cast<int>(__float_as_uint(c32[e]));
        }
    }
    {
        wmma::fragment<wmma::matrix_a, 8, 8, 4, double, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 8, 8, 4, double, wmma::col_major> fb;
        wmma::fragment<wmma::accumulator, 8, 8, 4, double> acc;
        wmma::load_matrix_sync(fa, a64, 4);
        wmma::load_matrix_sync(fb, b64, 4);
        wmma::fill_fragment(acc, 0.0);
        wmma::mma_sync(acc, fa, fb, acc);
        wmma::store_matrix_sync(c64, acc, 8, wmma::mem_row_major);
        __syncwarp();
        for (int e = lane; e < 64; e += 32) {
            unsigned long long bits = static_cast<unsigned long long>(__double_as_longlong(c64[e]));
            out[512 + 2 * e] = static_cast<int>(bits & 0xffffffffu);
            out[512 + 2 * e + 1] = static_cast<int>(bits >> 32);
        }
    }
#else
    __trap();
#endif
}
CARNOT_EXPORT(selftest_tc_mma)

/** Records every shared-memory access pattern of a GEMM tile loader (see selftest_gemm_smem_offsets). */
template <typename L, typename S, int LD, typename Emit>
__device__ void selftestLoaderOffsets(int tag, Emit& emit) {
    for (int i = 0; i < L::CHUNKS; i++) {
        int e = threadIdx.x + i * 256;
        int r;
        int c;
        L::copyPos(e, r, c);
        emit(tag, L::SAME ? 16 : L::V * static_cast<int>(sizeof(S)), (r * LD + c) * static_cast<int>(sizeof(S)));
        L::transPos(e, r, c);
        for (int j = 0; j < L::V; j++) {
            emit(tag + 1, static_cast<int>(sizeof(S)), ((r + j) * LD + c) * static_cast<int>(sizeof(S)));
        }
    }
}

/** SIMT k-step reads: 16-byte vectors of A and B for every k of a stage. */
template <typename T, typename Emit>
__device__ void selftestSimtOffsets(int tag, Emit& emit) {
    using Cfg = gemm::SimtConfig<T>;
    int warp = threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    for (int q = 0; q < Cfg::BK; q++) {
        for (int g = 0; g < Cfg::TM / Cfg::V; g++) {
            int r = gemm::simtRow<Cfg>(warp / Cfg::WARPS_N, lane / 8, g * Cfg::V);
            emit(tag, 16, (q * Cfg::LDA + r) * static_cast<int>(sizeof(T)));
        }
        for (int h = 0; h < Cfg::TN / Cfg::V; h++) {
            int s = gemm::simtCol<Cfg>(warp % Cfg::WARPS_N, lane % 8, h * Cfg::V);
            emit(tag + 1, 16, (q * Cfg::LDB + s) * static_cast<int>(sizeof(T)));
        }
    }
}

/**
 * Tensor-core fragment reads, modelled by the mma.sync operand layouts wmma compiles to (PTX ISA, "Matrix fragments
 * for mma"): lane (g, t) = (lane / 4, lane % 4) reads, per 8-row half h and k half u, the 32-bit word at row
 * g + 8 h and k t + 4 u (TF32 m16n8k8), the bf16 pair at k 2 t + 8 u (BF16 m16n8k16), or the f64 at row g, k t
 * (DMMA m8n8k4). A and B (column-major) tiles are both rows of k here.
 */
template <typename P, typename Emit>
__device__ void selftestFragmentOffsets(int tag, Emit& emit) {
    using Cfg = gemm::TcConfig<P>;
    constexpr int es = static_cast<int>(sizeof(typename P::S));
    int warp = threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    int g = lane / 4;
    int t = lane % 4;
    for (int operand = 0; operand < 2; operand++) {
        int base = operand == 0 ? (warp / P::WARPS_N) * Cfg::WTM : (warp % P::WARPS_N) * Cfg::WTN;
        int tiles = operand == 0 ? Cfg::TILES_M : Cfg::TILES_N;
        int rowsPer = operand == 0 ? P::FM : P::FN;
        for (int i = 0; i < tiles; i++) {
            for (int q = 0; q < P::BK; q += P::FK) {
                if constexpr (es == 8) {
                    emit(tag + operand, 8, ((base + i * rowsPer + g) * Cfg::LD + q + t) * es);
                } else {
                    for (int h = 0; h < rowsPer / 8; h++) {
                        for (int u = 0; u < 2; u++) {
                            int k = es == 4 ? t + 4 * u : 2 * t + 8 * u;
                            emit(tag + operand, 4, ((base + i * rowsPer + g + 8 * h) * Cfg::LD + q + k) * es);
                        }
                    }
                }
            }
        }
    }
}

/**
 * Shared-memory byte offsets of every access pattern (one instruction of all 256 threads) of the shipped GEMM
 * configurations: out[0] = number of patterns P; pattern p at out[1 + 258 p]: tag, access width in bytes, then the
 * 256 threads' offsets. Tags: config * 10 + kind, config 1 SIMT f32, 2 SIMT f64, 3 TF32, 4 BF16, 5 f64 DMMA; kind
 * 0/1 A copy/transposed store, 2/3 B copy/transposed store, 4/5 A/B math reads. Launch: 1 block of 256 threads.
 */
extern "C" __global__ void selftest_gemm_smem_offsets(int* out) {
    int p = 0;
    auto emit = [&](int tag, int width, int bytes) {
        int base = 1 + p * 258;
        if (threadIdx.x == 0) {
            out[base] = tag;
            out[base + 1] = width;
        }
        out[base + 2 + threadIdx.x] = bytes;
        p++;
    };
    using F = gemm::SimtConfig<float>;
    using D = gemm::SimtConfig<double>;
    selftestLoaderOffsets<F::LoadA, float, F::LDA>(10, emit);
    selftestLoaderOffsets<F::LoadB, float, F::LDB>(12, emit);
    selftestSimtOffsets<float>(14, emit);
    selftestLoaderOffsets<D::LoadA, double, D::LDA>(20, emit);
    selftestLoaderOffsets<D::LoadB, double, D::LDB>(22, emit);
    selftestSimtOffsets<double>(24, emit);
    using T32 = gemm::TcConfig<gemm::Tf32Tile>;
    using B16 = gemm::TcConfig<gemm::Bf16Tile>;
    using D64 = gemm::TcConfig<gemm::DmmaTile>;
    selftestLoaderOffsets<T32::LoadA, float, T32::LD>(30, emit);
    selftestLoaderOffsets<T32::LoadB, float, T32::LD>(32, emit);
    selftestFragmentOffsets<gemm::Tf32Tile>(34, emit);
    selftestLoaderOffsets<B16::LoadA, __nv_bfloat16, B16::LD>(40, emit);
    selftestLoaderOffsets<B16::LoadB, __nv_bfloat16, B16::LD>(42, emit);
    selftestFragmentOffsets<gemm::Bf16Tile>(44, emit);
    selftestLoaderOffsets<D64::LoadA, double, D64::LD>(50, emit);
    selftestLoaderOffsets<D64::LoadB, double, D64::LD>(52, emit);
    selftestFragmentOffsets<gemm::DmmaTile>(54, emit);
    if (threadIdx.x == 0) {
        out[0] = p;
    }
}
CARNOT_EXPORT(selftest_gemm_smem_offsets)

/**
 * cp.async ordering (__pipeline primitives): a lane copies src (global, 1000 + lane then 2000 + lane) into two
 * shared slots in two committed batches; out[4 lane ...] = slot 1 before any wait, slot 1 after wait_prior(1),
 * slot 2 then, slot 2 after wait_prior(0). Shared slots start at -1. On a GPU the first read is a race (unspecified);
 * the emulation must show -1 (copies land only at the wait). Launch: 1 block of 32 threads; out has 4 * 32 ints.
 */
extern "C" __global__ void selftest_pipeline(int* out) {
    __shared__ int slot1[32];
    __shared__ int slot2[32];
    int lane = threadIdx.x;
    int* src = out + 4 * lane;
    src[0] = 1000 + lane;
    src[2] = 2000 + lane;
    slot1[lane] = -1;
    slot2[lane] = -1;
    __pipeline_memcpy_async(&slot1[lane], &src[0], 4);
    __pipeline_commit();
    __pipeline_memcpy_async(&slot2[lane], &src[2], 4);
    __pipeline_commit();
    int before = slot1[lane];
    __pipeline_wait_prior(1);
    int first = slot1[lane];
    int second = slot2[lane];
    __pipeline_wait_prior(0);
    out[4 * lane] = before;
    out[4 * lane + 1] = first;
    out[4 * lane + 2] = second;
    out[4 * lane + 3] = slot2[lane];
}
CARNOT_EXPORT(selftest_pipeline)
