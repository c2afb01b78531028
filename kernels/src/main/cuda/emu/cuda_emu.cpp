// Runtime of the host emulation declared in cuda_emu.h: fibers, the per-block scheduler and grid workers.
#include "cuda_emu.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// Saves callee-saved registers on the current stack, stores the stack pointer to *save, switches to the stack `to`
// and restores the registers saved there (System V x86-64).
extern "C" void carnot_emu_switch(void** save, void* to);
asm(R"(
.text
.globl carnot_emu_switch
.type carnot_emu_switch,@function
carnot_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size carnot_emu_switch, .-carnot_emu_switch
.section .note.GNU-stack,"",@progbits
.text
)");

namespace emu {

enum class State { Runnable, AtBlockBarrier, AtWarpBarrier, Done };

struct Fiber {
    void* sp = nullptr;
    dim3 tid;
    unsigned linear = 0;
    State state = State::Done;
    std::uint64_t slot = 0;
    PipelineState pipeline;
    wg::State wgmma;
};

struct Worker {
    std::vector<Fiber> fibers;
    std::vector<char*> stacks;
    void* schedSp = nullptr;
    dim3 block, grid, bidx;
    void (*body)(void*) = nullptr;
    void* ctx = nullptr;
    std::string error;
    std::uintptr_t sharedLo = 0;  // the running block's shared window (cuda_emu_wgmma.h), 0 until first used
};

thread_local Fiber* tlFiber = nullptr;
thread_local Worker* tlWorker = nullptr;

static constexpr std::size_t kStack = 256 * 1024;
static constexpr int kMaxWorkers = 8;
static Worker gWorkers[kMaxWorkers];
static std::mutex gLaunch;
static int gThreads = 0;

const dim3& threadIdxRef() { return tlFiber->tid; }
const dim3& blockIdxRef() { return tlWorker->bidx; }
const dim3& blockDimRef() { return tlWorker->block; }
const dim3& gridDimRef() { return tlWorker->grid; }

[[noreturn]] static void fiberMain() {
    Worker* w = tlWorker;
    Fiber* f = tlFiber;
    w->body(w->ctx);
    f->state = State::Done;
    carnot_emu_switch(&f->sp, w->schedSp);
    std::abort();
}

static void park(State s) {
    Fiber* f = tlFiber;
    f->state = s;
    carnot_emu_switch(&f->sp, tlWorker->schedSp);
}

void syncthreads() { park(State::AtBlockBarrier); }

void syncwarp() { park(State::AtWarpBarrier); }

unsigned laneId() { return tlFiber->linear & 31u; }

PipelineState& pipelineState() { return tlFiber->pipeline; }

unsigned threadLinear() { return tlFiber->linear; }

wg::State& wg::state() { return tlFiber->wgmma; }

void fail(const char* what) {
    Worker* w = tlWorker;
    if (w->error.empty()) {
        w->error = std::string(what) + " in block (" + std::to_string(w->bidx.x) + "," + std::to_string(w->bidx.y) +
                   "," + std::to_string(w->bidx.z) + "), thread " + std::to_string(tlFiber->linear);
    }
}

std::uintptr_t sharedWindow(const void* p) {
    Worker* w = tlWorker;
    auto a = reinterpret_cast<std::uintptr_t>(p);
    if (w->sharedLo == 0) {
        w->sharedLo = (a & ~std::uintptr_t{1023}) - (std::uintptr_t{1} << 17);
    }
    if (a < w->sharedLo || a - w->sharedLo >= (std::uintptr_t{1} << 18)) {
        fail("__cvta_generic_to_shared: address outside the block's 256 KB shared window (not a shared variable?)");
    }
    return w->sharedLo;
}

std::uintptr_t sharedWindowBase() { return tlWorker->sharedLo; }

std::uint64_t shuffle(std::uint64_t mine, int mode, int arg) {
    Fiber* f = tlFiber;
    Worker* w = tlWorker;
    f->slot = mine;
    park(State::AtWarpBarrier);
    unsigned lane = f->linear & 31u;
    unsigned base = f->linear - lane;
    unsigned src = mode == 0 ? (lane ^ static_cast<unsigned>(arg)) : lane + static_cast<unsigned>(arg);
    std::uint64_t r = mine;
    if (src < 32u && base + src < w->fibers.size()) {
        r = w->fibers[base + src].slot;
    }
    park(State::AtWarpBarrier);
    return r;
}

static void startFiber(Worker& w, std::size_t i) {
    Fiber& f = w.fibers[i];
    void** sp = reinterpret_cast<void**>(w.stacks[i] + kStack);
    *--sp = nullptr;                                   // return address of fiberMain (never used)
    *--sp = reinterpret_cast<void*>(&fiberMain);       // popped by the first switch's ret
    for (int r = 0; r < 6; r++) {
        *--sp = nullptr;                               // rbp rbx r12 r13 r14 r15
    }
    f.sp = sp;
    f.state = State::Runnable;
    f.pipeline.copies.clear();
    f.pipeline.ends.clear();
    f.pipeline.head = 0;
    f.pipeline.firstEnd = 0;
    f.wgmma.ops.clear();
    f.wgmma.ends.clear();
    f.wgmma.head = 0;
    f.wgmma.firstEnd = 0;
    f.wgmma.fenced = false;
    f.linear = static_cast<unsigned>(i);
    f.tid.x = static_cast<unsigned>(i % w.block.x);
    f.tid.y = static_cast<unsigned>((i / w.block.x) % w.block.y);
    f.tid.z = static_cast<unsigned>(i / (static_cast<std::size_t>(w.block.x) * w.block.y));
}

/** Runs one block to completion; false (with w.error set) on a barrier deadlock. */
static bool runBlock(Worker& w) {
    std::size_t n = static_cast<std::size_t>(w.block.x) * w.block.y * w.block.z;
    while (w.stacks.size() < n) {
        w.stacks.push_back(static_cast<char*>(std::aligned_alloc(64, kStack)));
    }
    w.fibers.resize(n);
    w.sharedLo = 0;
    for (std::size_t i = 0; i < n; i++) {
        startFiber(w, i);
    }
    for (;;) {
        for (std::size_t i = 0; i < n; i++) {
            if (w.fibers[i].state == State::Runnable) {
                tlFiber = &w.fibers[i];
                carnot_emu_switch(&w.schedSp, w.fibers[i].sp);
            }
        }
        bool anyLive = false;
        bool released = false;
        for (std::size_t base = 0; base < n; base += 32) {
            std::size_t end = base + 32 < n ? base + 32 : n;
            bool live = false;
            bool allAtWarp = true;
            for (std::size_t i = base; i < end; i++) {
                State s = w.fibers[i].state;
                if (s != State::Done) {
                    live = true;
                    allAtWarp &= s == State::AtWarpBarrier;
                }
            }
            anyLive |= live;
            if (live && allAtWarp) {
                for (std::size_t i = base; i < end; i++) {
                    if (w.fibers[i].state == State::AtWarpBarrier) {
                        w.fibers[i].state = State::Runnable;
                    }
                }
                released = true;
            }
        }
        if (!anyLive) {
            return true;
        }
        if (released) {
            continue;
        }
        bool allAtBlock = true;
        for (std::size_t i = 0; i < n; i++) {
            State s = w.fibers[i].state;
            allAtBlock &= s == State::Done || s == State::AtBlockBarrier;
        }
        if (!allAtBlock) {
            w.error = "barrier deadlock: some threads wait at __syncthreads while others of the block wait at a "
                      "warp shuffle (divergent barrier) in block (" + std::to_string(w.bidx.x) + "," +
                      std::to_string(w.bidx.y) + "," + std::to_string(w.bidx.z) + ")";
            return false;
        }
        for (std::size_t i = 0; i < n; i++) {
            if (w.fibers[i].state == State::AtBlockBarrier) {
                w.fibers[i].state = State::Runnable;
            }
        }
    }
}

static int workerCount() {
    if (gThreads > 0) {
        return gThreads;
    }
    int t = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* env = std::getenv("CARNOT_CUDA_EMU_THREADS")) {
        t = std::atoi(env);
    }
    return t < 1 ? 1 : (t > kMaxWorkers ? kMaxWorkers : t);
}

int runGrid(const char* name, const unsigned* dims, void (*body)(void*), void* ctx, char* err, int errLen) {
    std::lock_guard<std::mutex> lock(gLaunch);
    dim3 grid{dims[0], dims[1], dims[2]};
    dim3 block{dims[3], dims[4], dims[5]};
    unsigned long long threads = 1ull * block.x * block.y * block.z;
    const char* bad = nullptr;
    if (grid.x == 0 || grid.y == 0 || grid.z == 0 || threads == 0) {
        bad = "invalid configuration argument: grid and block extents must be >= 1";
    } else if (threads > 1024 || block.z > 64) {
        bad = "invalid configuration argument: a block has at most 1024 threads and block.z <= 64";
    } else if (grid.y > 65535 || grid.z > 65535) {
        bad = "invalid configuration argument: grid.y and grid.z must be <= 65535";
    }
    if (bad != nullptr) {
        std::snprintf(err, static_cast<std::size_t>(errLen), "%s", bad);
        return 1;
    }
    unsigned long long blocks = 1ull * grid.x * grid.y * grid.z;
    int nw = workerCount();
    if (static_cast<unsigned long long>(nw) > blocks) {
        nw = static_cast<int>(blocks);
    }
    auto work = [&](int wi) {
        Worker& w = gWorkers[wi];
        tlWorker = &w;
        w.block = block;
        w.grid = grid;
        w.body = body;
        w.ctx = ctx;
        w.error.clear();
        for (unsigned long long b = static_cast<unsigned long long>(wi); b < blocks; b += static_cast<unsigned>(nw)) {
            w.bidx.x = static_cast<unsigned>(b % grid.x);
            w.bidx.y = static_cast<unsigned>((b / grid.x) % grid.y);
            w.bidx.z = static_cast<unsigned>(b / (1ull * grid.x * grid.y));
            if (!runBlock(w) || !w.error.empty()) {
                break;
            }
        }
        tlWorker = nullptr;
        tlFiber = nullptr;
    };
    std::vector<std::thread> helpers;
    for (int wi = 1; wi < nw; wi++) {
        helpers.emplace_back(work, wi);
    }
    work(0);
    for (auto& t : helpers) {
        t.join();
    }
    for (int wi = 0; wi < nw; wi++) {
        if (!gWorkers[wi].error.empty()) {
            std::snprintf(err, static_cast<std::size_t>(errLen), "%s: %s", name, gWorkers[wi].error.c_str());
            return 2;
        }
    }
    return 0;
}

}  // namespace emu

/**
 * Emulated device memory: 256-byte aligned host memory of exactly `bytes` (null when out of memory). Allocating
 * here rather than from the JVM lets a sanitizer build of this library see every buffer's exact bounds.
 */
extern "C" __attribute__((visibility("default"))) void* carnot_emu_alloc(std::size_t bytes) {
    void* p = nullptr;
    return posix_memalign(&p, 256, bytes) == 0 ? p : nullptr;
}

/** Frees memory from carnot_emu_alloc. */
extern "C" __attribute__((visibility("default"))) void carnot_emu_free(void* p) { std::free(p); }

/** Sets the number of host worker threads that run blocks in parallel (0 = hardware threads). */
extern "C" __attribute__((visibility("default"))) void carnot_emu_set_threads(int n) {
    std::lock_guard<std::mutex> lock(emu::gLaunch);
    emu::gThreads = n < 0 ? 0 : (n > emu::kMaxWorkers ? emu::kMaxWorkers : n);
}
