// Attention family: fused causal attention, flash style (FlashAttention-2 order of work, SIMT, no tensor cores).
// Layout: q, out, dOut [batch, tq, heads, dh]; k, v [batch, tk, heads, dh] (position stride rs = heads * dh);
// lse [batch * heads, tq]; query i sees keys j <= i + tk - tq. Arithmetic in T (products and the online softmax).
//
// Tiles: a block is 4 warps (128 threads) owning BR = 16 rows (4 per warp): query rows in attention_fwd and
// attention_bwd_dq, key rows in attention_bwd_dkdv. Its partners (keys, resp. queries) come in tiles of BC = 32, one
// per lane, staged with the rows through shared memory in dh chunks of DC = 32 (partner tiles padded to DC + 1).
// A lane computes the 4 dot products of its partner with the warp's 4 rows (scores s, and dP = dOut v^T in the
// backward); the warp then combines them (max and sum by butterfly; probabilities through shared memory) and every
// lane accumulates NCOL = 4 output columns (c0 + lane + 32 c) of its warp's 4 rows in registers, reading the
// partners' rows from global memory (coalesced, L1/L2 resident). A launch covers 128 output columns [c0, c0 + 128);
// the host launches ceil(dh / 128) of them (scores recomputed per launch; one launch for dh <= 128).
//
// attention_fwd_T: grid (batch * heads, ceil(tq / 16)); online softmax over key tiles (running max m, sum l,
//   accumulator rescaled by exp(m_old - m_new)); out = acc / l, lse = m + log l. Key tiles stop at the block's
//   causal limit.
// attention_bwd_dot_T: D = rowsum(dOut * out) per query row (f64 sums, a warp per row) into a double scratch.
// attention_bwd_dq_T: grid as the forward; P = exp(s - lse), dS = P (dP - D), dq = scale * sum_j dS_ij k_j.
// attention_bwd_dkdv_T: grid (batch * heads, ceil(tk / 16)), query tiles from the first query that sees the key
//   tile; dv = sum_i P_ij dOut_i, dk = scale * sum_i dS_ij q_i. Every dk/dv element is written (0 for tq = 0).
// attention_jvp_T: grid as the forward; p = exp(s - lse), ds = scale (q' . k + q . k'), out' = sum_j p v'_j +
//   sum_j p ds v_j - (sum_j p ds) out in one pass over the key tiles (forward-mode tangent, Backend.attentionJvp).
// attention_bwd_jvp_dq_T, attention_bwd_jvp_dkdv_T: the backward's forward-mode tangent (Backend.attentionBackwardJvp),
//   grids as attention_bwd_dq/dkdv with every tangent direction in grid x (direction-major); the query-side kernel
//   sums the rows' D, a, D' (pass 1, f64 scratch) and then accumulates dq' (pass 2), the key-side one dk' and dv'.
// No atomics: dq and dk/dv come from separate kernels, each element summed by one thread in a fixed order, so
// results do not depend on timing.
#include "carnot_cuda.h"

using carnot::i64;

namespace {

constexpr int NW = 4;          // warps per block
constexpr int RPW = 4;         // rows per warp
constexpr int BR = NW * RPW;   // rows per block
constexpr int BC = 32;         // partners per tile (one per lane)
constexpr int DC = 32;         // dh chunk staged in shared memory
constexpr int NCOL = 4;        // output columns per lane

__device__ __forceinline__ int imin(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int imax(int a, int b) { return a > b ? a : b; }

/** Stages rows [r0, r0 + n) (n = BR or BC), columns [cc, cc + DC) of x (position stride rs) into a tile; zeros outside. */
template <typename T, int N, int LD>
__device__ __forceinline__ void stage(T (*tile)[LD], const T* x, int r0, int rows, i64 rs, int cc, int dh) {
    for (int e = threadIdx.x; e < N * DC; e += blockDim.x) {
        int r = e / DC;
        int c = e - r * DC;
        int i = r0 + r;
        tile[r][c] = (i < rows && cc + c < dh) ? x[i * rs + cc + c] : T(0);
    }
}

}  // namespace

template <typename T>
__device__ void attentionFwdImpl(const T* q, const T* k, const T* v, T* out, T* lse, int heads, int tq, int tk,
                                 int dh, double scaleD, int c0) {
    __shared__ T qs[BR][DC];
    __shared__ T ks[BC][DC + 1];
    __shared__ T ps[NW][RPW][BC];
    const T scale = static_cast<T>(scaleD);
    const T ninf = -T(HUGE_VAL);
    int bh = blockIdx.x;
    int b = bh / heads;
    int h = bh - b * heads;
    i64 rs = static_cast<i64>(heads) * dh;
    const T* qb = q + static_cast<i64>(b) * tq * rs + static_cast<i64>(h) * dh;
    const T* kb = k + static_cast<i64>(b) * tk * rs + static_cast<i64>(h) * dh;
    const T* vb = v + static_cast<i64>(b) * tk * rs + static_cast<i64>(h) * dh;
    T* ob = out + static_cast<i64>(b) * tq * rs + static_cast<i64>(h) * dh;
    int i0 = blockIdx.y * BR;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int shift = tk - tq;
    T m[RPW];
    T l[RPW];
    T acc[RPW][NCOL];
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        m[r] = ninf;
        l[r] = T(0);
        CARNOT_UNROLL
        for (int c = 0; c < NCOL; c++) {
            acc[r][c] = T(0);
        }
    }
    int end = imin(tk, i0 + BR + shift);
    for (int j0 = 0; j0 < end; j0 += BC) {
        T s[RPW];
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            s[r] = T(0);
        }
        for (int cc = 0; cc < dh; cc += DC) {
            __syncthreads();
            stage<T, BR, DC>(qs, qb, i0, tq, rs, cc, dh);
            stage<T, BC, DC + 1>(ks, kb, j0, tk, rs, cc, dh);
            __syncthreads();
            CARNOT_UNROLL
            for (int c = 0; c < DC; c++) {
                T kv = ks[lane][c];
                CARNOT_UNROLL
                for (int r = 0; r < RPW; r++) {
                    s[r] += qs[warp * RPW + r][c] * kv;
                }
            }
        }
        int j = j0 + lane;
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            int i = i0 + warp * RPW + r;
            bool ok = i < tq && j < tk && j <= i + shift;
            T sv = ok ? s[r] * scale : ninf;
            T mt = carnot::warpReduce(sv, carnot::MaxOp());
            T mn = m[r] > mt ? m[r] : mt;
            T alpha = T(1);
            T p = T(0);
            if (mn != ninf) {
                alpha = carnot::dexp(m[r] - mn);
                p = ok ? carnot::dexp(sv - mn) : T(0);
            }
            l[r] = l[r] * alpha + carnot::warpReduce(p, carnot::SumOp());
            m[r] = mn;
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                acc[r][c] *= alpha;
            }
            ps[warp][r][lane] = p;
        }
        __syncthreads();
        int jn = imin(BC, tk - j0);
        for (int jj = 0; jj < jn; jj++) {
            const T* vr = vb + (j0 + jj) * rs;
            T vv[NCOL];
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                vv[c] = col < dh ? vr[col] : T(0);
            }
            CARNOT_UNROLL
            for (int r = 0; r < RPW; r++) {
                T p = ps[warp][r][jj];
                CARNOT_UNROLL
                for (int c = 0; c < NCOL; c++) {
                    acc[r][c] += p * vv[c];
                }
            }
        }
    }
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        int i = i0 + warp * RPW + r;
        if (i < tq) {
            T inv = T(1) / l[r];
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                if (col < dh) {
                    ob[i * rs + col] = acc[r][c] * inv;
                }
            }
            if (c0 == 0 && lane == 0) {
                lse[static_cast<i64>(bh) * tq + i] = m[r] + carnot::dlog(l[r]);
            }
        }
    }
}

/** D[bh * tq + i] = sum_c dOut[b, i, h, c] * out[b, i, h, c] in double; a warp per row, grid-stride over rows. */
template <typename T>
__device__ void attentionDotImpl(const T* out, const T* dOut, double* d, int heads, int tq, int dh, i64 rows) {
    int lane = threadIdx.x & 31;
    i64 warps = static_cast<i64>(gridDim.x) * (blockDim.x >> 5);
    for (i64 row = static_cast<i64>(blockIdx.x) * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps) {
        i64 bh = row / tq;
        int i = static_cast<int>(row - bh * tq);
        i64 b = bh / heads;
        i64 h = bh - b * heads;
        i64 base = ((b * tq + i) * heads + h) * dh;
        double sum = 0.0;
        for (int c = lane; c < dh; c += 32) {
            sum += static_cast<double>(out[base + c]) * static_cast<double>(dOut[base + c]);
        }
        sum = carnot::warpReduce(sum, carnot::SumOp());
        if (lane == 0) {
            d[row] = sum;
        }
    }
}

template <typename T>
__device__ void attentionDqImpl(const T* q, const T* k, const T* v, const T* lse, const double* dsum, const T* dOut,
                                T* dq, int heads, int tq, int tk, int dh, double scaleD, int c0) {
    __shared__ T qs[BR][DC];
    __shared__ T gs[BR][DC];
    __shared__ T ks[BC][DC + 1];
    __shared__ T vs[BC][DC + 1];
    __shared__ T ps[NW][RPW][BC];
    const T scale = static_cast<T>(scaleD);
    int bh = blockIdx.x;
    int b = bh / heads;
    int h = bh - b * heads;
    i64 rs = static_cast<i64>(heads) * dh;
    i64 qoff = static_cast<i64>(b) * tq * rs + static_cast<i64>(h) * dh;
    i64 koff = static_cast<i64>(b) * tk * rs + static_cast<i64>(h) * dh;
    int i0 = blockIdx.y * BR;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int shift = tk - tq;
    T ls[RPW];
    T dd[RPW];
    T acc[RPW][NCOL];
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        int i = i0 + warp * RPW + r;
        ls[r] = i < tq ? lse[static_cast<i64>(bh) * tq + i] : T(0);
        dd[r] = i < tq ? static_cast<T>(dsum[static_cast<i64>(bh) * tq + i]) : T(0);
        CARNOT_UNROLL
        for (int c = 0; c < NCOL; c++) {
            acc[r][c] = T(0);
        }
    }
    int end = imin(tk, i0 + BR + shift);
    for (int j0 = 0; j0 < end; j0 += BC) {
        T s[RPW];
        T dp[RPW];
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            s[r] = T(0);
            dp[r] = T(0);
        }
        for (int cc = 0; cc < dh; cc += DC) {
            __syncthreads();
            stage<T, BR, DC>(qs, q + qoff, i0, tq, rs, cc, dh);
            stage<T, BR, DC>(gs, dOut + qoff, i0, tq, rs, cc, dh);
            stage<T, BC, DC + 1>(ks, k + koff, j0, tk, rs, cc, dh);
            stage<T, BC, DC + 1>(vs, v + koff, j0, tk, rs, cc, dh);
            __syncthreads();
            CARNOT_UNROLL
            for (int c = 0; c < DC; c++) {
                T kv = ks[lane][c];
                T vv = vs[lane][c];
                CARNOT_UNROLL
                for (int r = 0; r < RPW; r++) {
                    s[r] += qs[warp * RPW + r][c] * kv;
                    dp[r] += gs[warp * RPW + r][c] * vv;
                }
            }
        }
        int j = j0 + lane;
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            int i = i0 + warp * RPW + r;
            bool ok = i < tq && j < tk && j <= i + shift;
            T p = ok ? carnot::dexp(s[r] * scale - ls[r]) : T(0);
            ps[warp][r][lane] = p * (dp[r] - dd[r]);
        }
        __syncthreads();
        int jn = imin(BC, tk - j0);
        for (int jj = 0; jj < jn; jj++) {
            const T* kr = k + koff + (j0 + jj) * rs;
            T kv[NCOL];
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                kv[c] = col < dh ? kr[col] : T(0);
            }
            CARNOT_UNROLL
            for (int r = 0; r < RPW; r++) {
                T ds = ps[warp][r][jj];
                CARNOT_UNROLL
                for (int c = 0; c < NCOL; c++) {
                    acc[r][c] += ds * kv[c];
                }
            }
        }
    }
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        int i = i0 + warp * RPW + r;
        if (i < tq) {
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                if (col < dh) {
                    dq[qoff + i * rs + col] = acc[r][c] * scale;
                }
            }
        }
    }
}

template <typename T>
__device__ void attentionDkDvImpl(const T* q, const T* k, const T* v, const T* lse, const double* dsum, const T* dOut,
                                  T* dk, T* dv, int heads, int tq, int tk, int dh, double scaleD, int c0) {
    __shared__ T ks[BR][DC];
    __shared__ T vs[BR][DC];
    __shared__ T qs[BC][DC + 1];
    __shared__ T gs[BC][DC + 1];
    __shared__ T ps[NW][RPW][BC];
    __shared__ T dss[NW][RPW][BC];
    const T scale = static_cast<T>(scaleD);
    int bh = blockIdx.x;
    int b = bh / heads;
    int h = bh - b * heads;
    i64 rs = static_cast<i64>(heads) * dh;
    i64 qoff = static_cast<i64>(b) * tq * rs + static_cast<i64>(h) * dh;
    i64 koff = static_cast<i64>(b) * tk * rs + static_cast<i64>(h) * dh;
    int j0 = blockIdx.y * BR;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int shift = tk - tq;
    T ak[RPW][NCOL];
    T av[RPW][NCOL];
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        CARNOT_UNROLL
        for (int c = 0; c < NCOL; c++) {
            ak[r][c] = T(0);
            av[r][c] = T(0);
        }
    }
    int first = imax(0, j0 - shift);
    for (int i0 = first - first % BC; i0 < tq; i0 += BC) {
        T s[RPW];
        T dp[RPW];
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            s[r] = T(0);
            dp[r] = T(0);
        }
        for (int cc = 0; cc < dh; cc += DC) {
            __syncthreads();
            stage<T, BR, DC>(ks, k + koff, j0, tk, rs, cc, dh);
            stage<T, BR, DC>(vs, v + koff, j0, tk, rs, cc, dh);
            stage<T, BC, DC + 1>(qs, q + qoff, i0, tq, rs, cc, dh);
            stage<T, BC, DC + 1>(gs, dOut + qoff, i0, tq, rs, cc, dh);
            __syncthreads();
            CARNOT_UNROLL
            for (int c = 0; c < DC; c++) {
                T qv = qs[lane][c];
                T gv = gs[lane][c];
                CARNOT_UNROLL
                for (int r = 0; r < RPW; r++) {
                    s[r] += ks[warp * RPW + r][c] * qv;
                    dp[r] += vs[warp * RPW + r][c] * gv;
                }
            }
        }
        int i = i0 + lane;
        T li = i < tq ? lse[static_cast<i64>(bh) * tq + i] : T(0);
        T di = i < tq ? static_cast<T>(dsum[static_cast<i64>(bh) * tq + i]) : T(0);
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            int j = j0 + warp * RPW + r;
            bool ok = i < tq && j < tk && j <= i + shift;
            T p = ok ? carnot::dexp(s[r] * scale - li) : T(0);
            ps[warp][r][lane] = p;
            dss[warp][r][lane] = p * (dp[r] - di);
        }
        __syncthreads();
        int in = imin(BC, tq - i0);
        for (int ii = 0; ii < in; ii++) {
            const T* qr = q + qoff + (i0 + ii) * rs;
            const T* gr = dOut + qoff + (i0 + ii) * rs;
            T qv[NCOL];
            T gv[NCOL];
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                qv[c] = col < dh ? qr[col] : T(0);
                gv[c] = col < dh ? gr[col] : T(0);
            }
            CARNOT_UNROLL
            for (int r = 0; r < RPW; r++) {
                T p = ps[warp][r][ii];
                T ds = dss[warp][r][ii];
                CARNOT_UNROLL
                for (int c = 0; c < NCOL; c++) {
                    av[r][c] += p * gv[c];
                    ak[r][c] += ds * qv[c];
                }
            }
        }
    }
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        int j = j0 + warp * RPW + r;
        if (j < tk) {
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                if (col < dh) {
                    dk[koff + j * rs + col] = ak[r][c] * scale;
                    dv[koff + j * rs + col] = av[r][c];
                }
            }
        }
    }
}

/**
 * Forward-mode tangent: grid and rows as the forward. Per key tile a lane stages nothing of its own but computes,
 * for its key j and the warp's 4 rows, s = q . k_j and ds = q' . k_j + q . k'_j from shared chunks of q, q', k, k';
 * then p = exp(scale s - lse) and p ds go through shared memory, the lane keeps its partial A = sum p ds, and every
 * lane accumulates acc += p v'_j + p ds v_j on its NCOL columns. At the end A is summed over the warp and
 * out' = acc - A out. One pass over keys (lse from the forward), no tq x tk storage.
 */
template <typename T>
__device__ void attentionJvpImpl(const T* q, const T* k, const T* v, const T* out, const T* lse, const T* qd,
                                 const T* kd, const T* vd, T* od, int heads, int tq, int tk, int dh, double scaleD,
                                 int c0) {
    __shared__ T qs[BR][DC];
    __shared__ T qds[BR][DC];
    __shared__ T ks[BC][DC + 1];
    __shared__ T kds[BC][DC + 1];
    __shared__ T ps[NW][RPW][BC];
    __shared__ T pds[NW][RPW][BC];
    __shared__ T lss[BR];
    const T scale = static_cast<T>(scaleD);
    int bh = blockIdx.x;
    int b = bh / heads;
    int h = bh - b * heads;
    i64 rs = static_cast<i64>(heads) * dh;
    i64 qoff = static_cast<i64>(b) * tq * rs + static_cast<i64>(h) * dh;
    i64 koff = static_cast<i64>(b) * tk * rs + static_cast<i64>(h) * dh;
    int i0 = blockIdx.y * BR;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int shift = tk - tq;
    if (threadIdx.x < BR) {
        int i = i0 + threadIdx.x;
        lss[threadIdx.x] = i < tq ? lse[static_cast<i64>(bh) * tq + i] : T(0);  // read after the staging barrier
    }
    T a[RPW];
    T acc[RPW][NCOL];
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        a[r] = T(0);
        CARNOT_UNROLL
        for (int c = 0; c < NCOL; c++) {
            acc[r][c] = T(0);
        }
    }
    int end = imin(tk, i0 + BR + shift);
    for (int j0 = 0; j0 < end; j0 += BC) {
        T s[RPW];
        T ds[RPW];
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            s[r] = T(0);
            ds[r] = T(0);
        }
        for (int cc = 0; cc < dh; cc += DC) {
            __syncthreads();
            stage<T, BR, DC>(qs, q + qoff, i0, tq, rs, cc, dh);
            stage<T, BR, DC>(qds, qd + qoff, i0, tq, rs, cc, dh);
            stage<T, BC, DC + 1>(ks, k + koff, j0, tk, rs, cc, dh);
            stage<T, BC, DC + 1>(kds, kd + koff, j0, tk, rs, cc, dh);
            __syncthreads();
            CARNOT_UNROLL
            for (int c = 0; c < DC; c++) {
                T kv = ks[lane][c];
                T kdv = kds[lane][c];
                CARNOT_UNROLL
                for (int r = 0; r < RPW; r++) {
                    T qv = qs[warp * RPW + r][c];
                    s[r] += qv * kv;
                    ds[r] += qds[warp * RPW + r][c] * kv + qv * kdv;
                }
            }
        }
        int j = j0 + lane;
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            int i = i0 + warp * RPW + r;
            bool ok = i < tq && j < tk && j <= i + shift;
            T p = ok ? carnot::dexp(s[r] * scale - lss[warp * RPW + r]) : T(0);
            T pd = p * ds[r] * scale;
            a[r] += pd;
            ps[warp][r][lane] = p;
            pds[warp][r][lane] = pd;
        }
        __syncthreads();
        int jn = imin(BC, tk - j0);
        for (int jj = 0; jj < jn; jj++) {
            const T* vr = v + koff + (j0 + jj) * rs;
            const T* vdr = vd + koff + (j0 + jj) * rs;
            T vv[NCOL];
            T vdv[NCOL];
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                vv[c] = col < dh ? vr[col] : T(0);
                vdv[c] = col < dh ? vdr[col] : T(0);
            }
            CARNOT_UNROLL
            for (int r = 0; r < RPW; r++) {
                T p = ps[warp][r][jj];
                T pd = pds[warp][r][jj];
                CARNOT_UNROLL
                for (int c = 0; c < NCOL; c++) {
                    acc[r][c] += p * vdv[c] + pd * vv[c];
                }
            }
        }
    }
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        int i = i0 + warp * RPW + r;
        T at = carnot::warpReduce(a[r], carnot::SumOp());
        if (i < tq) {
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                if (col < dh) {
                    i64 e = qoff + i * rs + col;
                    od[e] = acc[r][c] - at * out[e];
                }
            }
        }
    }
}

/**
 * The two dot-product sets of one row tile (the warp's 4 rows from r0) against one partner tile (the lane's
 * partner from p0) that the backward jvp needs, over dh chunks through shared memory: d = x . y and
 * dd = xd . y + x . yd (xd, yd the tangents of x, y). Starts with a barrier, so shared values written before it
 * are visible after.
 */
template <typename T>
__device__ __forceinline__ void bwdJvpDots(T (*xs)[DC], T (*xds)[DC], T (*ys)[DC + 1], T (*yds)[DC + 1], const T* x,
                                           const T* xd, int r0, int rows, const T* y, const T* yd, int p0,
                                           int partners, i64 rs, int dh, T (&d)[RPW], T (&dd)[RPW]) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        d[r] = T(0);
        dd[r] = T(0);
    }
    for (int cc = 0; cc < dh; cc += DC) {
        __syncthreads();
        stage<T, BR, DC>(xs, x, r0, rows, rs, cc, dh);
        stage<T, BR, DC>(xds, xd, r0, rows, rs, cc, dh);
        stage<T, BC, DC + 1>(ys, y, p0, partners, rs, cc, dh);
        stage<T, BC, DC + 1>(yds, yd, p0, partners, rs, cc, dh);
        __syncthreads();
        CARNOT_UNROLL
        for (int c = 0; c < DC; c++) {
            T yv = ys[lane][c];
            T ydv = yds[lane][c];
            CARNOT_UNROLL
            for (int r = 0; r < RPW; r++) {
                T xv = xs[warp * RPW + r][c];
                d[r] += xv * yv;
                dd[r] += xds[warp * RPW + r][c] * yv + xv * ydv;
            }
        }
    }
}

/**
 * Backward jvp, query side: grid (directions * batch * heads, ceil(tq / 16)), block x = z * pairs + (b, h) for
 * direction z, rows as the forward. Pass 1 over the
 * key tiles: per (row, key) s = q . k, S' = scale (q' . k + q . k'), dP = g . v, dP' = g' . v + g . v' (g = dOut),
 * P = exp(scale s - lse); a lane sums D = Σ P dP, a = Σ P S', b = Σ P dP', c = Σ P dP S' in double, warp-summed
 * per row, and D' = b + (c - a D); D, a, D' go to st for the key-side kernel (launch c0 = 0).
 * Pass 2 over the same tiles: P' = P (S' - a), dS = P (dP - D), dS' = P' (dP - D) + P (dP' - D') through shared
 * memory, dq' = scale sum_j (dS' k_j + dS k'_j) on the lane's NCOL columns.
 */
template <typename T>
__device__ void attentionBwdJvpDqImpl(const T* q, const T* k, const T* v, const T* lse, double* st,
                                      const T* dOut, const T* qd, const T* kd, const T* vd, const T* gd,
                                      T* dqd, int pairs, int heads, int tq, int tk, int dh, double scaleD, int c0,
                                      i64 nq, i64 nk, i64 ostride) {
    __shared__ T xs[BR][DC];
    __shared__ T xds[BR][DC];
    __shared__ T ys[BC][DC + 1];
    __shared__ T yds[BC][DC + 1];
    __shared__ T dss[NW][RPW][BC];
    __shared__ T dsds[NW][RPW][BC];
    __shared__ T rst[4][BR];  // per row: lse, D, a, D'
    const T scale = static_cast<T>(scaleD);
    int z = blockIdx.x / pairs;
    int bh = blockIdx.x - z * pairs;
    int b = bh / heads;
    int h = bh - b * heads;
    i64 rs = static_cast<i64>(heads) * dh;
    i64 qoff = static_cast<i64>(b) * tq * rs + static_cast<i64>(h) * dh;
    i64 koff = static_cast<i64>(b) * tk * rs + static_cast<i64>(h) * dh;
    i64 srow = static_cast<i64>(blockIdx.x) * tq;
    const T* qdz = qd + z * nq + qoff;
    const T* gdz = gd + z * nq + qoff;
    const T* kdz = kd + z * nk + koff;
    const T* vdz = vd + z * nk + koff;
    int i0 = blockIdx.y * BR;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int shift = tk - tq;
    if (threadIdx.x < BR) {
        int i = i0 + threadIdx.x;
        rst[0][threadIdx.x] = i < tq ? lse[static_cast<i64>(bh) * tq + i] : T(0);  // read after the first barrier
    }
    int end = imin(tk, i0 + BR + shift);
    {
        double sdd[RPW];
        double sa[RPW];
        double sb[RPW];
        double sc[RPW];
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            sdd[r] = 0.0;
            sa[r] = 0.0;
            sb[r] = 0.0;
            sc[r] = 0.0;
        }
        for (int j0 = 0; j0 < end; j0 += BC) {
            T s[RPW];
            T sd[RPW];
            T dp[RPW];
            T dpd[RPW];
            bwdJvpDots<T>(xs, xds, ys, yds, q + qoff, qdz, i0, tq, k + koff, kdz, j0, tk, rs, dh, s, sd);
            bwdJvpDots<T>(xs, xds, ys, yds, dOut + qoff, gdz, i0, tq, v + koff, vdz, j0, tk, rs, dh, dp, dpd);
            int j = j0 + lane;
            CARNOT_UNROLL
            for (int r = 0; r < RPW; r++) {
                int i = i0 + warp * RPW + r;
                bool ok = i < tq && j < tk && j <= i + shift;
                T p = ok ? carnot::dexp(s[r] * scale - rst[0][warp * RPW + r]) : T(0);
                T ps = p * (sd[r] * scale);
                sdd[r] += static_cast<double>(p * dp[r]);
                sa[r] += static_cast<double>(ps);
                sb[r] += static_cast<double>(p * dpd[r]);
                sc[r] += static_cast<double>(ps * dp[r]);
            }
        }
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            double d = carnot::warpReduce(sdd[r], carnot::SumOp());
            double a = carnot::warpReduce(sa[r], carnot::SumOp());
            double bb = carnot::warpReduce(sb[r], carnot::SumOp());
            double cs = carnot::warpReduce(sc[r], carnot::SumOp());
            int i = i0 + warp * RPW + r;
            double dd = bb + (cs - a * d);
            if (lane == 0) {
                rst[1][warp * RPW + r] = static_cast<T>(d);
                rst[2][warp * RPW + r] = static_cast<T>(a);
                rst[3][warp * RPW + r] = static_cast<T>(dd);
                if (c0 == 0 && i < tq) {
                    st[(srow + i) * 3] = d;
                    st[(srow + i) * 3 + 1] = a;
                    st[(srow + i) * 3 + 2] = dd;
                }
            }
        }
    }
    T acc[RPW][NCOL];
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        CARNOT_UNROLL
        for (int c = 0; c < NCOL; c++) {
            acc[r][c] = T(0);
        }
    }
    for (int j0 = 0; j0 < end; j0 += BC) {
        T s[RPW];
        T sd[RPW];
        bwdJvpDots<T>(xs, xds, ys, yds, q + qoff, qdz, i0, tq, k + koff, kdz, j0, tk, rs, dh, s, sd);
        int j = j0 + lane;
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            int i = i0 + warp * RPW + r;
            bool ok = i < tq && j < tk && j <= i + shift;
            T p = ok ? carnot::dexp(s[r] * scale - rst[0][warp * RPW + r]) : T(0);
            dss[warp][r][lane] = p;
            dsds[warp][r][lane] = p * (sd[r] * scale - rst[2][warp * RPW + r]);
        }
        bwdJvpDots<T>(xs, xds, ys, yds, dOut + qoff, gdz, i0, tq, v + koff, vdz, j0, tk, rs, dh, s, sd);
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            T p = dss[warp][r][lane];
            T pp = dsds[warp][r][lane];
            T x = s[r] - rst[1][warp * RPW + r];
            dss[warp][r][lane] = p * x;
            dsds[warp][r][lane] = pp * x + p * (sd[r] - rst[3][warp * RPW + r]);
        }
        __syncthreads();
        int jn = imin(BC, tk - j0);
        for (int jj = 0; jj < jn; jj++) {
            const T* kr = k + koff + (j0 + jj) * rs;
            const T* kdr = kdz + (j0 + jj) * rs;
            T kv[NCOL];
            T kdv[NCOL];
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                kv[c] = col < dh ? kr[col] : T(0);
                kdv[c] = col < dh ? kdr[col] : T(0);
            }
            CARNOT_UNROLL
            for (int r = 0; r < RPW; r++) {
                T ds = dss[warp][r][jj];
                T dsd = dsds[warp][r][jj];
                CARNOT_UNROLL
                for (int c = 0; c < NCOL; c++) {
                    acc[r][c] += dsd * kv[c] + ds * kdv[c];
                }
            }
        }
    }
    T* dqz = dqd + z * ostride + qoff;
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        int i = i0 + warp * RPW + r;
        if (i < tq) {
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                if (col < dh) {
                    dqz[i * rs + col] = acc[r][c] * scale;
                }
            }
        }
    }
}

/**
 * Backward jvp, key side: grid (directions * batch * heads, ceil(tk / 16)), warps own 4 key rows, lanes 32 queries
 * per tile from the first query that sees the block's keys (as attention_bwd_dkdv). Per (key, query) the dots of
 * the query side, with the query's lse and D, a, D' (st, from the query-side kernel); P, P', dS, dS' through shared
 * memory; dk' = scale sum_i (dS' q_i + dS q'_i), dv' = sum_i (P' g_i + P g'_i). Every element of dk', dv' is
 * written (0 for tq = 0).
 */
template <typename T>
__device__ void attentionBwdJvpDkDvImpl(const T* q, const T* k, const T* v, const T* lse, const double* st,
                                        const T* dOut, const T* qd, const T* kd, const T* vd,
                                        const T* gd, T* dkd, T* dvd, int pairs, int heads, int tq, int tk, int dh,
                                        double scaleD, int c0, i64 nq, i64 nk, i64 ostride) {
    __shared__ T xs[BR][DC];
    __shared__ T xds[BR][DC];
    __shared__ T ys[BC][DC + 1];
    __shared__ T yds[BC][DC + 1];
    __shared__ T ps[NW][RPW][BC];
    __shared__ T pps[NW][RPW][BC];
    __shared__ T dss[NW][RPW][BC];
    __shared__ T dsds[NW][RPW][BC];
    const T scale = static_cast<T>(scaleD);
    int z = blockIdx.x / pairs;
    int bh = blockIdx.x - z * pairs;
    int b = bh / heads;
    int h = bh - b * heads;
    i64 rs = static_cast<i64>(heads) * dh;
    i64 qoff = static_cast<i64>(b) * tq * rs + static_cast<i64>(h) * dh;
    i64 koff = static_cast<i64>(b) * tk * rs + static_cast<i64>(h) * dh;
    i64 srow = static_cast<i64>(blockIdx.x) * tq;
    const T* qdz = qd + z * nq + qoff;
    const T* gdz = gd + z * nq + qoff;
    const T* kdz = kd + z * nk + koff;
    const T* vdz = vd + z * nk + koff;
    int j0 = blockIdx.y * BR;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int shift = tk - tq;
    T ak[RPW][NCOL];
    T av[RPW][NCOL];
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        CARNOT_UNROLL
        for (int c = 0; c < NCOL; c++) {
            ak[r][c] = T(0);
            av[r][c] = T(0);
        }
    }
    int first = imax(0, j0 - shift);
    for (int i0 = first - first % BC; i0 < tq; i0 += BC) {
        int i = i0 + lane;
        T li = i < tq ? lse[static_cast<i64>(bh) * tq + i] : T(0);
        T ai = i < tq ? static_cast<T>(st[(srow + i) * 3 + 1]) : T(0);
        T s[RPW];
        T sd[RPW];
        bwdJvpDots<T>(xs, xds, ys, yds, k + koff, kdz, j0, tk, q + qoff, qdz, i0, tq, rs, dh, s, sd);
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            int j = j0 + warp * RPW + r;
            bool ok = i < tq && j < tk && j <= i + shift;
            T p = ok ? carnot::dexp(s[r] * scale - li) : T(0);
            ps[warp][r][lane] = p;
            pps[warp][r][lane] = p * (sd[r] * scale - ai);
        }
        bwdJvpDots<T>(xs, xds, ys, yds, v + koff, vdz, j0, tk, dOut + qoff, gdz, i0, tq, rs, dh, s, sd);
        T di = i < tq ? static_cast<T>(st[(srow + i) * 3]) : T(0);
        T ddi = i < tq ? static_cast<T>(st[(srow + i) * 3 + 2]) : T(0);
        CARNOT_UNROLL
        for (int r = 0; r < RPW; r++) {
            T p = ps[warp][r][lane];
            T x = s[r] - di;
            dss[warp][r][lane] = p * x;
            dsds[warp][r][lane] = pps[warp][r][lane] * x + p * (sd[r] - ddi);
        }
        __syncthreads();
        int in = imin(BC, tq - i0);
        for (int ii = 0; ii < in; ii++) {
            const T* qr = q + qoff + (i0 + ii) * rs;
            const T* qdr = qdz + (i0 + ii) * rs;
            const T* gr = dOut + qoff + (i0 + ii) * rs;
            const T* gdr = gdz + (i0 + ii) * rs;
            T xv[NCOL];
            T xdv[NCOL];
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                xv[c] = col < dh ? qr[col] : T(0);
                xdv[c] = col < dh ? qdr[col] : T(0);
            }
            CARNOT_UNROLL
            for (int r = 0; r < RPW; r++) {
                T ds = dss[warp][r][ii];
                T dsd = dsds[warp][r][ii];
                CARNOT_UNROLL
                for (int c = 0; c < NCOL; c++) {
                    ak[r][c] += dsd * xv[c] + ds * xdv[c];
                }
            }
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                xv[c] = col < dh ? gr[col] : T(0);
                xdv[c] = col < dh ? gdr[col] : T(0);
            }
            CARNOT_UNROLL
            for (int r = 0; r < RPW; r++) {
                T p = ps[warp][r][ii];
                T pp = pps[warp][r][ii];
                CARNOT_UNROLL
                for (int c = 0; c < NCOL; c++) {
                    av[r][c] += pp * xv[c] + p * xdv[c];
                }
            }
        }
    }
    T* dkz = dkd + z * ostride + koff;
    T* dvz = dvd + z * ostride + koff;
    CARNOT_UNROLL
    for (int r = 0; r < RPW; r++) {
        int j = j0 + warp * RPW + r;
        if (j < tk) {
            CARNOT_UNROLL
            for (int c = 0; c < NCOL; c++) {
                int col = c0 + lane + 32 * c;
                if (col < dh) {
                    dkz[j * rs + col] = ak[r][c] * scale;
                    dvz[j * rs + col] = av[r][c];
                }
            }
        }
    }
}

#define ATTENTION_KERNELS(T, S, JB)                                                                                  \
    extern "C" __global__ void __launch_bounds__(128, 4)                                                            \
        attention_fwd_##S(const T* q, const T* k, const T* v, T* out, T* lse, int heads, int tq, int tk, int dh,    \
                          double scale, int c0) {                                                                  \
        attentionFwdImpl<T>(q, k, v, out, lse, heads, tq, tk, dh, scale, c0);                                      \
    }                                                                                                              \
    CARNOT_EXPORT(attention_fwd_##S)                                                                               \
    extern "C" __global__ void attention_bwd_dot_##S(const T* out, const T* dOut, double* d, int heads, int tq,    \
                                                     int dh, i64 rows) {                                           \
        attentionDotImpl<T>(out, dOut, d, heads, tq, dh, rows);                                                    \
    }                                                                                                              \
    CARNOT_EXPORT(attention_bwd_dot_##S)                                                                           \
    extern "C" __global__ void __launch_bounds__(128, 4)                                                            \
        attention_bwd_dq_##S(const T* q, const T* k, const T* v, const T* lse, const double* d, const T* dOut,      \
                             T* dq, int heads, int tq, int tk, int dh, double scale, int c0) {                     \
        attentionDqImpl<T>(q, k, v, lse, d, dOut, dq, heads, tq, tk, dh, scale, c0);                               \
    }                                                                                                              \
    CARNOT_EXPORT(attention_bwd_dq_##S)                                                                            \
    extern "C" __global__ void __launch_bounds__(128, 4)                                                            \
        attention_bwd_dkdv_##S(const T* q, const T* k, const T* v, const T* lse, const double* d, const T* dOut,    \
                               T* dk, T* dv, int heads, int tq, int tk, int dh, double scale, int c0) {            \
        attentionDkDvImpl<T>(q, k, v, lse, d, dOut, dk, dv, heads, tq, tk, dh, scale, c0);                         \
    }                                                                                                              \
    CARNOT_EXPORT(attention_bwd_dkdv_##S)                                                                          \
    extern "C" __global__ void __launch_bounds__(128, 4)                                                            \
        attention_jvp_##S(const T* q, const T* k, const T* v, const T* out, const T* lse, const T* qd, const T* kd, \
                          const T* vd, T* od, int heads, int tq, int tk, int dh, double scale, int c0) {           \
        attentionJvpImpl<T>(q, k, v, out, lse, qd, kd, vd, od, heads, tq, tk, dh, scale, c0);                      \
    }                                                                                                              \
    CARNOT_EXPORT(attention_jvp_##S)                                                                               \
    extern "C" __global__ void __launch_bounds__(128, JB)                                                           \
        attention_bwd_jvp_dq_##S(const T* q, const T* k, const T* v, const T* lse, double* st, const T* dOut,       \
                                 const T* qd, const T* kd, const T* vd, const T* gd, T* dqd, int pairs, int heads,  \
                                 int tq, int tk, int dh, double scale, int c0, i64 nq, i64 nk, i64 ostride) {       \
        attentionBwdJvpDqImpl<T>(q, k, v, lse, st, dOut, qd, kd, vd, gd, dqd, pairs, heads, tq, tk, dh, scale, c0, nq,\
                                 nk, ostride);                                                                      \
    }                                                                                                               \
    CARNOT_EXPORT(attention_bwd_jvp_dq_##S)                                                                         \
    extern "C" __global__ void __launch_bounds__(128, JB)                                                           \
        attention_bwd_jvp_dkdv_##S(const T* q, const T* k, const T* v, const T* lse, const double* st,              \
                                   const T* dOut, const T* qd, const T* kd, const T* vd, const T* gd, T* dkd,       \
                                   T* dvd, int pairs, int heads, int tq, int tk, int dh, double scale, int c0,      \
                                   i64 nq, i64 nk, i64 ostride) {                                                   \
        attentionBwdJvpDkDvImpl<T>(q, k, v, lse, st, dOut, qd, kd, vd, gd, dkd, dvd, pairs, heads, tq, tk, dh, scale,\
                                   c0, nq, nk, ostride);                                                            \
    }                                                                                                               \
    CARNOT_EXPORT(attention_bwd_jvp_dkdv_##S)

// JB: the backward jvp's minimum resident blocks per SM. f64 keeps 32 accumulators of 8 bytes and 41.5 KB of
// shared memory per dk'/dv' block, which already limits it to 3 blocks per SM on sm_80 (164 KB); at 4 (<= 128
// registers) it spilled 24-68 bytes, at 3 (<= 168) it does not.
ATTENTION_KERNELS(float, f32, 4)
ATTENTION_KERNELS(double, f64, 3)
