// Indexing family: row gather and row scatter-add (embedding forward/backward).
// check_indices: validates idx[0, n) against [0, bound) on the device, without a host round trip: a bad idx[i] = v
//   is recorded in an 8-byte error slot (zero = no error) as atomicMax of ((2^31 - 1 - i) << 32 | (unsigned) v),
//   so the slot ends up holding the first bad position and its value. The host reads the slots at its next
//   synchronisation point (IndexErrors) and raises the error there. gather_rows_T, scatter_add_sorted_T and
//   scatter_add_rows_atomic_T, queued after it on the same stream, return without writing when their slot is set.
// gather_rows_T: out[i, c] = table[idx[i], c]; 1-D grid-stride over n * cols, block 256.
// Deterministic scatter-add, all on the device (no index download): a stable LSD radix sort of the pairs
//   (idx[i], i) on the low ceil(log2(tableRows)) bits, 8 bits per pass, then an ordered segmented sum.
//   sort_count:  block b of 256 threads takes keys [256 b, 256 b + 256); thread d counts the block's keys whose
//                digit is d into counts[d * blocks + b] (no atomics).
//   sort_scan:   one block of 256 threads; exclusive prefix sum of counts[0, 256 * blocks) in place, each thread
//                a contiguous chunk, the 256 chunk totals scanned in order by thread 0. Digit-major layout, so
//                counts[d * blocks + b] becomes the first output slot of block b's keys with digit d.
//   sort_place:  each key goes to counts[d * blocks + b] + (number of keys of its block before it with digit d):
//                stable, so after the passes equal keys keep ascending i.
//   scatter_add_sorted_T: one thread per (sorted position p, column c); the thread at the first position of a
//                run of equal keys r adds src[i, c] for the run's i (ascending) to table[r, c] in a register and
//                stores once: the sequential loop i = 0, 1, ..., n - 1 bitwise (IndexingRef's order).
//   Every step depends only on the data, never on timing or the launch: same bits every run.
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

/** Threads per block (and keys per block) of the radix sort kernels. */
#define CARNOT_SORT_THREADS 256

/** Stores the 8-bit digit at shift of this thread's key (-1 past n) in digits[threadIdx.x]; returns it, key set. */
__device__ __forceinline__ int sortDigit(const int* keys, int n, int shift, int* digits, int& key) {
    i64 i = static_cast<i64>(blockIdx.x) * CARNOT_SORT_THREADS + threadIdx.x;
    key = i < n ? keys[i] : 0;
    int d = i < n ? static_cast<int>((static_cast<unsigned>(key) >> shift) & 255u) : -1;
    digits[threadIdx.x] = d;
    return d;
}

/** Per-block digit counts of keys[0, n) at bits [shift, shift + 8). Launch: ceil(n / 256) blocks of 256. */
extern "C" __global__ void sort_count(const int* keys, int n, int shift, int* counts) {
    __shared__ int digits[CARNOT_SORT_THREADS];
    int key;
    sortDigit(keys, n, shift, digits, key);
    __syncthreads();
    int c = 0;
    for (int j = 0; j < CARNOT_SORT_THREADS; j++) {
        c += digits[j] == static_cast<int>(threadIdx.x) ? 1 : 0;
    }
    counts[static_cast<i64>(threadIdx.x) * gridDim.x + blockIdx.x] = c;
}
CARNOT_EXPORT(sort_count)

/** In-place exclusive prefix sum of counts[0, len). Launch: 1 block of 256. */
extern "C" __global__ void sort_scan(int* counts, i64 len) {
    __shared__ int totals[CARNOT_SORT_THREADS];
    i64 chunk = (len + CARNOT_SORT_THREADS - 1) / CARNOT_SORT_THREADS;
    i64 from = threadIdx.x * chunk;
    i64 to = from + chunk < len ? from + chunk : len;
    int s = 0;
    for (i64 i = from; i < to; i++) {
        s += counts[i];
    }
    totals[threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.x == 0) {
        int run = 0;
        for (int t = 0; t < CARNOT_SORT_THREADS; t++) {
            int v = totals[t];
            totals[t] = run;
            run += v;
        }
    }
    __syncthreads();
    int run = totals[threadIdx.x];
    for (i64 i = from; i < to; i++) {
        int v = counts[i];
        counts[i] = run;
        run += v;
    }
}
CARNOT_EXPORT(sort_scan)

/**
 * One stable pass: (keys, vals) to (outKeys, outVals) by the digit at shift, offsets from sort_scan; vals null
 * means vals[i] = i. Launch: as sort_count.
 */
extern "C" __global__ void sort_place(const int* keys, const int* vals, int n, int shift, const int* offsets,
                                      int* outKeys, int* outVals) {
    __shared__ int digits[CARNOT_SORT_THREADS];
    int key;
    int d = sortDigit(keys, n, shift, digits, key);
    __syncthreads();
    if (d < 0) {
        return;
    }
    int rank = 0;
    for (unsigned j = 0; j < threadIdx.x; j++) {
        rank += digits[j] == d ? 1 : 0;
    }
    i64 i = static_cast<i64>(blockIdx.x) * CARNOT_SORT_THREADS + threadIdx.x;
    int pos = offsets[static_cast<i64>(d) * gridDim.x + blockIdx.x] + rank;
    outKeys[pos] = key;
    outVals[pos] = vals == nullptr ? static_cast<int>(i) : vals[i];
}
CARNOT_EXPORT(sort_place)

template <typename T>
__device__ void scatterAddSortedImpl(const T* src, const int* keys, const int* perm, int n, int cols, T* table,
                                     const unsigned long long* slot) {
    if (*slot != 0) {
        return;
    }
    i64 total = static_cast<i64>(n) * cols;
    for (i64 e = carnot::globalThread(); e < total; e += carnot::gridStride()) {
        i64 p = e / cols;
        i64 c = e % cols;
        int r = keys[p];
        if (p > 0 && keys[p - 1] == r) {
            continue;
        }
        T* dst = table + static_cast<i64>(r) * cols + c;
        T acc = *dst;
        for (i64 q = p; q < n && keys[q] == r; q++) {
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
    extern "C" __global__ void scatter_add_sorted_##S(const T* src, const int* keys, const int* perm, int n,   \
                                                     int cols, T* table, const unsigned long long* slot) {     \
        scatterAddSortedImpl<T>(src, keys, perm, n, cols, table, slot);                                        \
    }                                                                                                          \
    CARNOT_EXPORT(scatter_add_sorted_##S)                                                                      \
    extern "C" __global__ void scatter_add_rows_atomic_##S(const T* src, const int* idx, int n, int cols,       \
                                                          T* table, int tableRows,                             \
                                                          const unsigned long long* slot) {                    \
        scatterAddRowsAtomicImpl<T>(src, idx, n, cols, table, tableRows, slot);                                \
    }                                                                                                          \
    CARNOT_EXPORT(scatter_add_rows_atomic_##S)

INDEXING_KERNELS(float, f32)
INDEXING_KERNELS(double, f64)
