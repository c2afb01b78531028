// Device wrappers of the sm_90a warpgroup MMA primitives (PTX ISA 9.7.15) used by gemm_wgmma.cu: inline PTX under
// nvcc for sm_90a, the host emulation (emu/cuda_emu_wgmma.h) under g++. Only m64n128 with f32 accumulators and
// both operands in shared memory (matrix descriptors), K-major, no negation or transposition.
#pragma once
#include "carnot_cuda.h"

#if defined(__CUDA_ARCH__) && !defined(__CUDA_ARCH_FEAT_SM90_ALL)
#error "wgmma needs the arch-specific target sm_90a (-arch=sm_90a)"
#endif

namespace wgmma {

typedef unsigned long long u64;

/** wgmma.fence.sync.aligned: orders prior register accesses before the following mma_async (9.7.15.7.1). */
__device__ __forceinline__ void fence() {
#if defined(__CUDA_ARCH__)
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#elif !defined(__CUDACC__)
    emu_wgmma::fence();
#endif
}

/** wgmma.commit_group.sync.aligned: closes the group of the mma_async issued since the last commit (9.7.15.7.2). */
__device__ __forceinline__ void commit() {
#if defined(__CUDA_ARCH__)
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
#elif !defined(__CUDACC__)
    emu_wgmma::commitGroup();
#endif
}

/** wgmma.wait_group.sync.aligned N: waits until at most N committed groups are pending (9.7.15.7.3). */
template <int N>
__device__ __forceinline__ void wait() {
#if defined(__CUDA_ARCH__)
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
#elif !defined(__CUDACC__)
    emu_wgmma::waitGroup(N);
#endif
}

/**
 * fence.proxy.async.shared::cta: makes this thread's prior generic-proxy writes to shared memory visible to later
 * async-proxy reads (mma_async operands, 9.7.15.4); a barrier then publishes them to the whole block.
 */
__device__ __forceinline__ void fenceProxyAsync() {
#if defined(__CUDA_ARCH__)
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
#elif !defined(__CUDACC__)
    emu_wgmma::fenceProxyAsync();
#endif
}

/**
 * Keeps the compiler from moving accesses of the accumulator registers across this point (an empty asm that reads
 * and writes them): placed before wgmma.fence and after each wait, so no accumulator copy is made while an
 * mma_async that updates them is in flight.
 */
__device__ __forceinline__ void fenceOperands(float (&d)[64]) {
#if defined(__CUDA_ARCH__)
    CARNOT_UNROLL
    for (int i = 0; i < 64; i++) {
        asm volatile("" : "+f"(d[i])::"memory");
    }
#endif
}

/** The 32-bit shared-state-space address of a shared variable (what a matrix descriptor encodes). */
__device__ __forceinline__ unsigned sharedAddress(const void* p) {
    return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

/** D (64 x 128, f32, the ISA's fragment layout) += A (64 x 8 tf32) B (8 x 128 tf32), both from shared memory. */
__device__ __forceinline__ void mmaTf32(float (&d)[64], u64 descA, u64 descB) {
#if defined(__CUDA_ARCH__)
    asm volatile(
        "wgmma.mma_async.sync.aligned.m64n128k8.f32.tf32.tf32\n"
        "{"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
        "}, %64, %65, 1, 1, 1;\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
          "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]),
          "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]),
          "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]),
          "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]),
          "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]),
          "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]),
          "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]),
          "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
        : "l"(descA), "l"(descB)
        : "memory");
#elif !defined(__CUDACC__)
    emu_wgmma::mmaAsync(d, descA, descB, 128, emu::wg::Kind::Tf32, true);
#endif
}

/** D (64 x 128, f32) += A (64 x 16 bf16) B (16 x 128 bf16), both from shared memory, K-major (no transpose). */
__device__ __forceinline__ void mmaBf16(float (&d)[64], u64 descA, u64 descB) {
#if defined(__CUDA_ARCH__)
    asm volatile(
        "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16\n"
        "{"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
        "}, %64, %65, 1, 1, 1, 0, 0;\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
          "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]),
          "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]),
          "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]),
          "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]),
          "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]),
          "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]),
          "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]),
          "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
        : "l"(descA), "l"(descB)
        : "memory");
#elif !defined(__CUDACC__)
    emu_wgmma::mmaAsync(d, descA, descB, 128, emu::wg::Kind::Bf16, true);
#endif
}

}  // namespace wgmma
