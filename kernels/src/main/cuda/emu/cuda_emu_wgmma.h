// Host emulation of the sm_90a warpgroup MMA (wgmma) primitives the Hopper GEMM kernels use. Included by
// cuda_emu.h; built only by g++. Written from the PTX ISA (version 9.0), section 9.7.15 "Asynchronous
// Warpgroup Level Matrix Multiply-Accumulate Instructions", independently of the kernels' descriptor encoding:
//
//   * Shared addresses (__cvta_generic_to_shared): a block's shared variables are host memory; the first address
//     taken in a block fixes a window [lo, lo + 2^18) with lo 1024-byte aligned and 128 KB below it, and an address
//     is its offset in that window. So the bits the swizzle modes use (4..9) are the host address's bits, and the
//     18 bits a descriptor holds reach the whole window.
//   * Matrix descriptor (9.7.15.5.1.2.2 "Matrix Descriptor Format"): bits 13-0 start address, 29-16 leading
//     dimension byte offset (LBO), 45-32 stride dimension byte offset (SBO), each encoded as (x & 0x3FFFF) >> 4;
//     bits 51-49 matrix base offset; bits 63-62 swizzle mode (0 none, 1 128-byte, 2 64-byte, 3 32-byte). A nonzero
//     base offset (a swizzle pattern not starting at its 1024/512/256-byte boundary) is not modelled: it fails the
//     launch.
//   * K-major operands (9.7.15.5.1.2 "Shared Memory Matrix Layout", 9.7.15.5.1.2.1.3 "Canonical Layouts"), with
//     elements normalised to 16-byte units T = 16 / element bytes:
//       no swizzle:  ((8,m),(T,2k)):((1T,SBO),(1,LBO)) -- core matrices of 8 rows x 16 bytes (rows 16 bytes
//                    apart), the next 8 rows SBO bytes on, the next 16 bytes of K LBO bytes on;
//       W-byte swizzle (W = 32, 64, 128): ((8,m),(T,2k)):((W/16 T,SBO),(1,T)) then Swizzle<log2(W/16),4,3>: rows
//                    W bytes apart inside an 8-row atom, the next 8 rows SBO bytes on, K contiguous within the W
//                    bytes of a row (LBO unused), and the address's 16-byte chunk bits [4, 4 + log2(W/16)) xor-ed
//                    with its bits [7, 7 + log2(W/16)).
//     One instruction reads 32 bytes of K per row (k8 tf32, k16 bf16); a K step inside a swizzle atom advances
//     the start address (the swizzle applies to the resulting address).
//   * Accumulator fragment of m64nNk8 / m64nNk16 with .f32 (9.7.15.5.1.1, Figures 149 and 151): thread
//     t = 32 w + l of the warpgroup holds N / 2 floats; d[4 i + 2 h + j] is row 16 w + l / 4 + 8 h, column
//     8 i + 2 (l % 4) + j.
//   * wgmma.mma_async is asynchronous (9.7.15.4 "Async Proxy", 9.7.15.7): an operation is queued in the calling
//     thread's open group; wgmma.commit_group closes the group; wgmma.wait_group(N) performs every committed group
//     but the newest N, reading shared memory and updating the accumulator registers only then. A kernel that
//     overwrites an operand stage still in use, or reads accumulators before the wait, computes wrong results
//     here. A thread's first mma_async must follow a wgmma.fence (9.7.15.7.1); otherwise the launch fails.
//     fence.proxy.async is accepted and does nothing (the emulation has one memory proxy).
//   * Arithmetic (9.7.15.5.2 "Precision and rounding"): .tf32 inputs have their low 13 bits truncated; .bf16
//     inputs are exact in f32; products of either are exact in f32 and accumulate in f32 in k order.
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

namespace emu {

/** Records the first failure of the running block (reported by the launch); the kernel carries on. */
void fail(const char* what);
/** The running block's shared window base (see the file comment); fixed by the first address taken. */
std::uintptr_t sharedWindow(const void* p);
std::uintptr_t sharedWindowBase();
/** Linear thread id of the calling fiber in its block. */
unsigned threadLinear();

namespace wg {

enum class Kind { Tf32, Bf16 };

/** One queued wgmma.mma_async of this thread: its accumulator registers and operands. */
struct PendingMma {
    float* d;
    std::uint64_t descA;
    std::uint64_t descB;
    int n;
    Kind kind;
    bool scaleD;
};

/** A thread's queued operations in issue order; ops [0, ends[g]) belong to committed groups 0..g. */
struct State {
    std::vector<PendingMma> ops;
    std::vector<std::size_t> ends;
    std::size_t head = 0;
    std::size_t firstEnd = 0;
    bool fenced = false;
};

/** The decoded fields of a matrix descriptor (9.7.15.5.1.2.2); addresses and offsets in bytes. */
struct Descriptor {
    std::uint32_t start;
    std::uint32_t lbo;
    std::uint32_t sbo;
    unsigned baseOffset;
    unsigned swizzleBytes;  // 0 = no swizzle, else 32, 64 or 128
};

inline Descriptor decode(std::uint64_t d) {
    Descriptor r;
    r.start = static_cast<std::uint32_t>(d & 0x3fffu) << 4;
    r.lbo = static_cast<std::uint32_t>((d >> 16) & 0x3fffu) << 4;
    r.sbo = static_cast<std::uint32_t>((d >> 32) & 0x3fffu) << 4;
    r.baseOffset = static_cast<unsigned>((d >> 49) & 0x7u);
    static constexpr unsigned kModes[4] = {0, 128, 64, 32};
    r.swizzleBytes = kModes[d >> 62];
    return r;
}

/**
 * The shared address of K byte `kb` (0 <= kb < 32) of row `r` of a K-major operand (see the file comment; the
 * caller checked baseOffset == 0).
 */
inline std::uint32_t kMajorAddress(const Descriptor& d, int r, int kb) {
    std::uint32_t row = static_cast<std::uint32_t>(r);
    std::uint32_t k = static_cast<std::uint32_t>(kb);
    if (d.swizzleBytes == 0) {
        return d.start + (row % 8) * 16 + (row / 8) * d.sbo + (k / 16) * d.lbo + k % 16;
    }
    std::uint32_t w = d.swizzleBytes;
    std::uint32_t linear = d.start + (row % 8) * w + (row / 8) * d.sbo + k;
    std::uint32_t bits = w / 16 - 1;  // 1, 3 or 7: Swizzle<1|2|3, 4, 3>
    return linear ^ (((linear >> 7) & bits) << 4);
}

State& state();

/** Performs one queued operation for the calling thread (its fragment of D). */
inline void perform(const PendingMma& op) {
    Descriptor a = decode(op.descA);
    Descriptor b = decode(op.descB);
    if (a.baseOffset != 0 || b.baseOffset != 0) {
        fail("wgmma.mma_async: a matrix descriptor with a nonzero base offset (bits 49-51) is not modelled");
        return;
    }
    const int kSteps = op.kind == Kind::Tf32 ? 8 : 16;
    const int esize = op.kind == Kind::Tf32 ? 4 : 2;
    const std::uintptr_t base = sharedWindowBase();
    auto load = [&](std::uint32_t addr) -> float {
        const unsigned char* p = reinterpret_cast<const unsigned char*>(base + addr);
        if (op.kind == Kind::Tf32) {
            std::uint32_t bits;
            std::memcpy(&bits, p, 4);
            return emuBitsToFloat(bits & 0xffffe000u);
        }
        std::uint16_t h;
        std::memcpy(&h, p, 2);
        return emuBitsToFloat(static_cast<std::uint32_t>(h) << 16);
    };
    const unsigned t = threadLinear() % 128u;
    const int w = static_cast<int>(t / 32);
    const int l = static_cast<int>(t % 32);
    float av[2][16];
    for (int h = 0; h < 2; h++) {
        for (int q = 0; q < kSteps; q++) {
            av[h][q] = load(kMajorAddress(a, 16 * w + l / 4 + 8 * h, q * esize));
        }
    }
    float bv[16];
    for (int i = 0; i < op.n / 8; i++) {
        for (int j = 0; j < 2; j++) {
            int col = 8 * i + 2 * (l % 4) + j;
            for (int q = 0; q < kSteps; q++) {
                bv[q] = load(kMajorAddress(b, col, q * esize));
            }
            for (int h = 0; h < 2; h++) {
                float& d = op.d[4 * i + 2 * h + j];
                float acc = op.scaleD ? d : 0.0f;
                for (int q = 0; q < kSteps; q++) {
                    acc += av[h][q] * bv[q];  // exact product (11 x 11 or 8 x 8 significant bits), f32 sum
                }
                d = acc;
            }
        }
    }
}

}  // namespace wg
}  // namespace emu

/** Host emulation of the wgmma primitives (see the file comment); called by gemm_wgmma.cu's wrappers. */
namespace emu_wgmma {

inline void fence() { emu::wg::state().fenced = true; }

inline void mmaAsync(float* d, std::uint64_t descA, std::uint64_t descB, int n, emu::wg::Kind kind, bool scaleD) {
    emu::wg::State& s = emu::wg::state();
    if (!s.fenced) {
        emu::fail("wgmma.mma_async before any wgmma.fence of the thread (PTX ISA 9.7.15.7.1)");
    }
    s.ops.push_back({d, descA, descB, n, kind, scaleD});
}

inline void commitGroup() {
    emu::wg::State& s = emu::wg::state();
    s.ends.push_back(s.ops.size());
}

inline void waitGroup(std::size_t pending) {
    emu::wg::State& s = emu::wg::state();
    std::size_t committed = s.ends.size() - s.firstEnd;
    if (committed <= pending) {
        return;
    }
    s.firstEnd = s.ends.size() - pending;
    std::size_t until = s.ends[s.firstEnd - 1];
    for (; s.head < until; s.head++) {
        emu::wg::perform(s.ops[s.head]);
    }
    if (s.head == s.ops.size()) {  // nothing queued: start over in the same storage
        s.ops.clear();
        s.ends.erase(s.ends.begin(), s.ends.begin() + static_cast<std::ptrdiff_t>(s.firstEnd));
        for (std::size_t& e : s.ends) {
            e = 0;
        }
        s.firstEnd = 0;
        s.head = 0;
    }
}

inline void fenceProxyAsync() {}

}  // namespace emu_wgmma

/** The 32-bit shared-window address of a shared variable (see the file comment). */
inline std::uint32_t __cvta_generic_to_shared(const void* p) {
    return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(p) - emu::sharedWindow(p));
}
