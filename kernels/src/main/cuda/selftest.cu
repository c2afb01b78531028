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
