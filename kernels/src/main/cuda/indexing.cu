// Indexing family: row gather and row scatter-add (embedding forward/backward).
// check_indices: validates idx[0, n) against [0, bound) on the device, without a host round trip: a bad idx[i] = v
//   is recorded in an 8-byte error slot (zero = no error) as atomicMax of ((2^31 - 1 - i) << 32 | (unsigned) v),
//   so the slot ends up holding the first bad position and its value. The host reads the slots at its next
//   synchronisation point (CudaDevice.DeferredChecks) and raises the error there. gather_rows_T and
//   scatter_add_rows_atomic_T, queued after it on the same stream, return without writing when their slot is set.
//   The deterministic scatter validates on the host: it downloads the indices anyway to build its buckets.
// gather_rows_T: out[i, c] = table[idx[i], c]; 1-D grid-stride over n * cols, block 256.
// scatter_add_rows_T (deterministic): the host (which already downloaded idx to validate it) builds a stable
//   bucket list: touched rows rows[k], k < u, with their source rows perm[start[k] .. start[k+1]) in ascending i,
//   packed as [perm (n) | start (u + 1) | rows (u)]. One thread per (k, c) adds its sources in that order, so the
//   result equals the sequential loop i = 0, 1, ..., n - 1 bitwise. Launch: 1-D grid-stride over u * cols, block 256.
// scatter_add_rows_atomic_T: one thread per (i, c) with atomicAdd; faster with few columns, order (and so the
//   last bits) depends on timing. Launch: 1-D grid-stride over n * cols, block 256.
#include "carnot_cuda.h"

using carnot::i64;

/** Records the first idx[i] outside [0, bound) in *slot (see the file comment). Launch: 1-D grid-stride over n. */
extern "C" __global__ void check_indices(const int* idx, int n, int bound, unsigned long long* slot) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        int v = idx[i];
        if (v < 0 || v >= bound) {
            atomicMax(slot, (static_cast<unsigned long long>(0x7fffffffLL - i) << 32) | static_cast<unsigned>(v));
        }
    }
}
CARNOT_EXPORT(check_indices)

template <typename T>
__device__ void gatherRowsImpl(const T* table, int tableRows, int cols, const int* idx, int n, T* out,
                               const unsigned long long* slot) {
    if (*slot != 0) {
        return;
    }
    i64 total = static_cast<i64>(n) * cols;
    for (i64 e = carnot::globalThread(); e < total; e += carnot::gridStride()) {
        i64 i = e / cols;
        i64 c = e % cols;
        out[e] = table[static_cast<i64>(idx[i]) * cols + c];
    }
}

template <typename T>
__device__ void scatterAddRowsImpl(const T* src, const int* buckets, int n, int touched, int cols, T* table) {
    const int* perm = buckets;
    const int* start = buckets + n;
    const int* rows = start + touched + 1;
    i64 total = static_cast<i64>(touched) * cols;
    for (i64 e = carnot::globalThread(); e < total; e += carnot::gridStride()) {
        i64 k = e / cols;
        i64 c = e % cols;
        T* dst = table + static_cast<i64>(rows[k]) * cols + c;
        T acc = *dst;
        for (int q = start[k]; q < start[k + 1]; q++) {
            acc += src[static_cast<i64>(perm[q]) * cols + c];
        }
        *dst = acc;
    }
}

template <typename T>
__device__ void scatterAddRowsAtomicImpl(const T* src, const int* idx, int n, int cols, T* table, int tableRows,
                                         const unsigned long long* slot) {
    if (*slot != 0) {
        return;
    }
    i64 total = static_cast<i64>(n) * cols;
    for (i64 e = carnot::globalThread(); e < total; e += carnot::gridStride()) {
        i64 i = e / cols;
        i64 c = e % cols;
        atomicAdd(table + static_cast<i64>(idx[i]) * cols + c, src[e]);
    }
}

#define INDEXING_KERNELS(T, S)                                                                                 \
    extern "C" __global__ void gather_rows_##S(const T* table, int tableRows, int cols, const int* idx, int n,  \
                                              T* out, const unsigned long long* slot) {                        \
        gatherRowsImpl<T>(table, tableRows, cols, idx, n, out, slot);                                          \
    }                                                                                                          \
    CARNOT_EXPORT(gather_rows_##S)                                                                             \
    extern "C" __global__ void scatter_add_rows_##S(const T* src, const int* buckets, int n, int touched,      \
                                                   int cols, T* table) {                                       \
        scatterAddRowsImpl<T>(src, buckets, n, touched, cols, table);                                          \
    }                                                                                                          \
    CARNOT_EXPORT(scatter_add_rows_##S)                                                                        \
    extern "C" __global__ void scatter_add_rows_atomic_##S(const T* src, const int* idx, int n, int cols,       \
                                                          T* table, int tableRows,                             \
                                                          const unsigned long long* slot) {                    \
        scatterAddRowsAtomicImpl<T>(src, idx, n, cols, table, tableRows, slot);                                \
    }                                                                                                          \
    CARNOT_EXPORT(scatter_add_rows_atomic_##S)

INDEXING_KERNELS(float, f32)
INDEXING_KERNELS(double, f64)
