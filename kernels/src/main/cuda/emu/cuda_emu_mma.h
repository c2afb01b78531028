// Host emulation of the tensor-core API the GEMM kernels use (mma.h's nvcuda::wmma, cuda_bf16.h's __nv_bfloat16).
// Included by cuda_emu.h; built only by g++.
//
// Fragments: CUDA leaves the element -> lane mapping of a wmma fragment unspecified, so code may only use the API
// uniformly (every lane of a warp loads, converts element-wise, multiplies and stores the same tiles). A valid
// emulation is therefore: every fiber holds the whole tile in logical row-major order (load_matrix_sync reads the
// whole tile, element-wise code sees every element), and accumulator element e is *owned* by lane e % 32:
// mma_sync computes only the owned elements of d and store_matrix_sync writes only those, so every element of the
// product is computed and stored exactly once per warp (32x less host work than every lane computing the whole
// tile; the other elements of a lane's accumulator are never observable through the API). Rounding is modelled
// exactly:
//   * __float_to_tf32: cvt.rna.tf32.f32, round to nearest with ties away from zero to 10 mantissa bits (the low 13
//     bits of the result are zero); Inf and NaN pass through.
//   * __float2bfloat16_rn: round to nearest even to 7 mantissa bits; NaN stays a (quiet) NaN.
//   * mma_sync: TF32 inputs are read as their top 19 bits (the tensor core ignores the low 13 bits); products of
//     TF32 or BF16 inputs are exact in f32 (11 x 11 and 8 x 8 significant bits), accumulated in f32 in k order onto
//     the accumulator; f64 (DMMA) accumulates with one fused multiply-add per k in k order.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

/** bfloat16 storage (the upper 16 bits of an f32). */
struct __nv_bfloat16 {
    std::uint16_t bits;
};

inline float emuBitsToFloat(std::uint32_t b) {
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}
inline std::uint32_t emuFloatToBits(float f) {
    std::uint32_t b;
    std::memcpy(&b, &f, 4);
    return b;
}

/** f32 -> bf16, round to nearest even (cvt.rn.bf16.f32). */
inline __nv_bfloat16 __float2bfloat16_rn(float f) {
    std::uint32_t b = emuFloatToBits(f);
    if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0) {
        return __nv_bfloat16{static_cast<std::uint16_t>((b >> 16) | 0x0040u)};
    }
    b += 0x7fffu + ((b >> 16) & 1u);
    return __nv_bfloat16{static_cast<std::uint16_t>(b >> 16)};
}

inline unsigned short __bfloat16_as_ushort(__nv_bfloat16 h) { return h.bits; }

inline float __bfloat162float(__nv_bfloat16 h) { return emuBitsToFloat(static_cast<std::uint32_t>(h.bits) << 16); }

namespace nvcuda {
namespace wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };
namespace precision {
struct tf32 {};
}  // namespace precision

/** cvt.rna.tf32.f32: to 10 mantissa bits, ties away from zero (returned as an f32 whose low 13 bits are 0). */
inline float __float_to_tf32(float f) {
    std::uint32_t b = emuFloatToBits(f);
    if ((b & 0x7f800000u) == 0x7f800000u) {
        return f;
    }
    return emuBitsToFloat((b + 0x1000u) & 0xffffe000u);
}

template <typename T>
struct Storage {
    using type = T;
};
template <>
struct Storage<precision::tf32> {
    using type = float;
};

template <typename Use, int M, int N, int K>
struct Shape;
template <int M, int N, int K>
struct Shape<matrix_a, M, N, K> {
    static constexpr int rows = M, cols = K;
};
template <int M, int N, int K>
struct Shape<matrix_b, M, N, K> {
    static constexpr int rows = K, cols = N;
};
template <int M, int N, int K>
struct Shape<accumulator, M, N, K> {
    static constexpr int rows = M, cols = N;
};

/** The whole rows x cols tile in every fiber, logical row-major (see the file comment). */
template <typename Use, int M, int N, int K, typename T, typename Layout = void>
struct fragment {
    using element_type = typename Storage<T>::type;
    static constexpr int rows = Shape<Use, M, N, K>::rows;
    static constexpr int cols = Shape<Use, M, N, K>::cols;
    static constexpr int num_elements = rows * cols;
    element_type x[num_elements];
};

template <typename Use, int M, int N, int K, typename T, typename L>
inline void fill_fragment(fragment<Use, M, N, K, T, L>& f, typename fragment<Use, M, N, K, T, L>::element_type v) {
    for (int i = 0; i < f.num_elements; i++) {
        f.x[i] = v;
    }
}

/** matrix_a / matrix_b tiles: element (r, c) at p[r * ldm + c] (row_major) or p[c * ldm + r] (col_major). */
template <typename Use, int M, int N, int K, typename T, typename L>
inline void load_matrix_sync(fragment<Use, M, N, K, T, L>& f,
                             const typename fragment<Use, M, N, K, T, L>::element_type* p, unsigned ldm) {
    static_assert(std::is_same_v<L, row_major> || std::is_same_v<L, col_major>, "operand fragments need a layout");
    for (int r = 0; r < f.rows; r++) {
        for (int c = 0; c < f.cols; c++) {
            f.x[r * f.cols + c] = std::is_same_v<L, row_major> ? p[static_cast<long>(r) * ldm + c]
                                                                 : p[static_cast<long>(c) * ldm + r];
        }
    }
}

template <int M, int N, int K, typename T>
inline void load_matrix_sync(fragment<accumulator, M, N, K, T>& f, const T* p, unsigned ldm, layout_t layout) {
    for (int r = 0; r < M; r++) {
        for (int c = 0; c < N; c++) {
            f.x[r * N + c] = layout == mem_row_major ? p[static_cast<long>(r) * ldm + c] : p[static_cast<long>(c) * ldm + r];
        }
    }
}

/** Writes the accumulator elements this lane owns (e % 32 == lane); the warp together writes the whole tile. */
template <int M, int N, int K, typename T>
inline void store_matrix_sync(T* p, const fragment<accumulator, M, N, K, T>& f, unsigned ldm, layout_t layout) {
    for (int e = static_cast<int>(emu::laneId()); e < M * N; e += 32) {
        int r = e / N;
        int c = e % N;
        (layout == mem_row_major ? p[static_cast<long>(r) * ldm + c] : p[static_cast<long>(c) * ldm + r]) = f.x[e];
    }
}

/** An operand element as the tensor core reads it (TF32: top 19 bits; BF16: exact in f32; f64 as is). */
inline float mmaInput(float v, precision::tf32*) { return emuBitsToFloat(emuFloatToBits(v) & 0xffffe000u); }
inline float mmaInput(__nv_bfloat16 v, __nv_bfloat16*) { return __bfloat162float(v); }
inline double mmaInput(double v, double*) { return v; }
inline float mmaStep(float acc, float a, float b) { return acc + a * b; }  // a * b is exact in f32 (see above)
inline double mmaStep(double acc, double a, double b) { return std::fma(a, b, acc); }

/** d = a b + c for the elements this lane owns (e % 32 == lane); d may be c. */
template <int M, int N, int K, typename Tin, typename LA, typename LB, typename Tacc>
inline void mma_sync(fragment<accumulator, M, N, K, Tacc>& d, const fragment<matrix_a, M, N, K, Tin, LA>& a,
                     const fragment<matrix_b, M, N, K, Tin, LB>& b, const fragment<accumulator, M, N, K, Tacc>& c) {
    for (int e = static_cast<int>(emu::laneId()); e < M * N; e += 32) {
        int i = e / N;
        int j = e % N;
        Tacc acc = c.x[e];
        for (int q = 0; q < K; q++) {
            acc = mmaStep(acc, mmaInput(a.x[i * K + q], static_cast<Tin*>(nullptr)),
                          mmaInput(b.x[q * N + j], static_cast<Tin*>(nullptr)));
        }
        d.x[e] = acc;
    }
}

}  // namespace wmma
}  // namespace nvcuda
