// Host emulation of the CUDA launch model, so the very same .cu sources compile with g++ and run in tests.
//
// Model: a grid is run block by block; blocks are spread over a few host worker threads (static assignment
// block b -> worker b % W). Inside a block every CUDA thread is a fiber (own stack) on the worker's host thread.
// __syncthreads() parks the fiber until every live fiber of the block reached a barrier; warp shuffles park the
// fiber until every live fiber of its warp (32 consecutive linear thread ids) reached the shuffle. Exited
// threads do not count (as on sm_70+). __shared__ becomes a per-host-thread static, i.e. one copy per running
// block. Atomics map to std::atomic_ref. Built only by g++ (never seen by nvcc).
#pragma once
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <math.h>
#include <utility>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

namespace emu {

struct Fiber;
struct Worker;
extern thread_local Fiber* tlFiber;
extern thread_local Worker* tlWorker;

const dim3& threadIdxRef();
const dim3& blockIdxRef();
const dim3& blockDimRef();
const dim3& gridDimRef();

void syncthreads();
// Lane of the calling fiber in its warp (linear thread id % 32).
unsigned laneId();
// Parks the fiber until every live fiber of its warp arrives (__syncwarp).
void syncwarp();

/** One queued cp.async: n bytes from src, then zfill zero bytes, into dst. */
struct PendingCopy {
    void* dst;
    const void* src;
    std::size_t n;
    std::size_t zfill;
};

/**
 * A fiber's asynchronous copies in issue order: copies[head, ...) are pending; batch b (committed, oldest first)
 * ends before copies[ends[b]] (ends[firstEnd, ...) are the batches not yet waited for); copies after the last end
 * form the open batch. Flat vectors, reused without allocating once grown.
 */
struct PipelineState {
    std::vector<PendingCopy> copies;
    std::vector<std::size_t> ends;
    std::size_t head = 0;
    std::size_t firstEnd = 0;
};
PipelineState& pipelineState();
// Exchanges 8 bytes with lane (own lane ^ laneMask) or (own lane + delta) of the same warp.
std::uint64_t shuffle(std::uint64_t mine, int mode, int arg);

template <typename T>
T shfl(T v, int mode, int arg) {
    static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    std::uint64_t got = shuffle(bits, mode, arg);
    T r;
    std::memcpy(&r, &got, sizeof(T));
    return r;
}

}  // namespace emu

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __shared__ static thread_local
#define threadIdx (emu::threadIdxRef())
#define blockIdx (emu::blockIdxRef())
#define blockDim (emu::blockDimRef())
#define gridDim (emu::gridDimRef())

inline void __syncthreads() { emu::syncthreads(); }

inline float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline unsigned __float_as_uint(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline long long __double_as_longlong(double d) {
    long long l;
    std::memcpy(&l, &d, 8);
    return l;
}
inline void __syncwarp(unsigned = 0xffffffffu) { emu::syncwarp(); }

// cp.async as CUDA's pipeline primitives (cuda_pipeline_primitives.h). Modelled, not synchronous: a copy is queued
// in the calling fiber's open batch, __pipeline_commit closes the batch, and __pipeline_wait_prior(N) performs
// every committed batch except the newest N (the data lands in shared memory only then, as on a GPU where it is
// only guaranteed there after the wait). A kernel that reads a stage before waiting for it reads stale data here.
inline void __pipeline_memcpy_async(void* dst, const void* src, std::size_t size, std::size_t zfill = 0) {
    emu::pipelineState().copies.push_back({dst, src, size - zfill, zfill});
}
inline void __pipeline_commit() {
    emu::PipelineState& p = emu::pipelineState();
    p.ends.push_back(p.copies.size());
}
inline void __pipeline_wait_prior(std::size_t prior) {
    emu::PipelineState& p = emu::pipelineState();
    std::size_t committed = p.ends.size() - p.firstEnd;
    if (committed <= prior) {
        return;
    }
    p.firstEnd = p.ends.size() - prior;
    std::size_t until = p.ends[p.firstEnd - 1];
    for (; p.head < until; p.head++) {
        const emu::PendingCopy& c = p.copies[p.head];
        std::memcpy(c.dst, c.src, c.n);
        std::memset(static_cast<char*>(c.dst) + c.n, 0, c.zfill);
    }
    if (p.head == p.copies.size()) {  // nothing pending, no open copies: start over in the same storage
        p.copies.clear();
        p.ends.erase(p.ends.begin(), p.ends.begin() + static_cast<std::ptrdiff_t>(p.firstEnd));
        for (std::size_t& e : p.ends) {
            e = 0;
        }
        p.firstEnd = 0;
        p.head = 0;
    }
}

template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int laneMask) { return emu::shfl(v, 0, laneMask); }

template <typename T>
inline T __shfl_down_sync(unsigned, T v, int delta) { return emu::shfl(v, 1, delta); }

template <typename T>
inline T atomicAdd(T* p, T v) { return std::atomic_ref<T>(*p).fetch_add(v, std::memory_order_relaxed); }

/** CUDA's integer atomicMax: stores max(*p, v), returns the old value (compare-exchange loop). */
template <typename T>
inline T atomicMax(T* p, T v) {
    std::atomic_ref<T> a(*p);
    T old = a.load(std::memory_order_relaxed);
    while (old < v && !a.compare_exchange_weak(old, v, std::memory_order_relaxed)) {
    }
    return old;
}

#define __launch_bounds__(...)

#include "cuda_emu_mma.h"
#include "cuda_emu_wgmma.h"

#include <cstddef>
#include <type_traits>
#include <utility>

namespace emu {

/** Runs body(ctx) as every thread of every block of the grid; dims = {gx, gy, gz, bx, by, bz}. 0 = ok. */
int runGrid(const char* name, const unsigned* dims, void (*body)(void*), void* ctx, char* err, int errLen);

template <typename... A, std::size_t... I>
void invokeKernel(void (*k)(A...), void** args, std::index_sequence<I...>) {
    k(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(args[I])...);
}

/** The launch entry behind each exported emu_NAME symbol: args[i] points at the value of parameter i. */
template <typename... A>
int launch(const char* name, void (*k)(A...), const unsigned* dims, void** args, char* err, int errLen) {
    struct Ctx {
        void (*k)(A...);
        void** args;
    } ctx{k, args};
    return runGrid(
        name, dims,
        [](void* c) {
            auto* x = static_cast<Ctx*>(c);
            invokeKernel(x->k, x->args, std::index_sequence_for<A...>{});
        },
        &ctx, err, errLen);
}

}  // namespace emu
