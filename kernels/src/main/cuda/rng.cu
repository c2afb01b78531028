// Random-number family: Philox4x32-10 (Salmon et al. 2011), the same stream as the CPU backends.
// Element j = offset + i uses counter (lo32(j), hi32(j), 0, 0) and key (lo32(seed), hi32(seed)) -> words w0..w3.
// uniform: u = ((w0 >> 5) * 2^26 + (w1 >> 6)) * 2^-53, value lo + (hi - lo) * u in double, rounded to T.
// normal: u1 = 1 - u(w0, w1), u2 = u(w2, w3), z = sqrt(-2 ln u1) * cos(2 pi u2), value mean + std * z.
// Launch: 1-D grid-stride, block 256. Also philox_raw (test hook): the four words of counter i for i < n.
#include "carnot_cuda.h"

using carnot::i64;

__device__ __forceinline__ void philox(unsigned c[4], unsigned k0, unsigned k1) {
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        unsigned long long p0 = 0xD2511F53ull * c[0];
        unsigned long long p1 = 0xCD9E8D57ull * c[2];
        unsigned n0 = static_cast<unsigned>(p1 >> 32) ^ c[1] ^ k0;
        unsigned n1 = static_cast<unsigned>(p1);
        unsigned n2 = static_cast<unsigned>(p0 >> 32) ^ c[3] ^ k1;
        unsigned n3 = static_cast<unsigned>(p0);
        c[0] = n0;
        c[1] = n1;
        c[2] = n2;
        c[3] = n3;
    }
}

__device__ __forceinline__ double unit53(unsigned a, unsigned b) {
    return (static_cast<double>(a >> 5) * 67108864.0 + static_cast<double>(b >> 6)) * (1.0 / 9007199254740992.0);
}

__device__ __forceinline__ void words(i64 seed, i64 j, unsigned w[4]) {
    unsigned long long uj = static_cast<unsigned long long>(j);
    unsigned long long us = static_cast<unsigned long long>(seed);
    w[0] = static_cast<unsigned>(uj);
    w[1] = static_cast<unsigned>(uj >> 32);
    w[2] = 0u;
    w[3] = 0u;
    philox(w, static_cast<unsigned>(us), static_cast<unsigned>(us >> 32));
}

template <typename T>
__device__ void uniformImpl(T* out, i64 n, i64 seed, i64 offset, double lo, double hi) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        unsigned w[4];
        words(seed, offset + i, w);
        out[i] = static_cast<T>(lo + (hi - lo) * unit53(w[0], w[1]));
    }
}

template <typename T>
__device__ void normalImpl(T* out, i64 n, i64 seed, i64 offset, double mean, double std) {
    const double twoPi = 6.283185307179586;
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        unsigned w[4];
        words(seed, offset + i, w);
        double u1 = 1.0 - unit53(w[0], w[1]);
        double u2 = unit53(w[2], w[3]);
        double z = sqrt(-2.0 * log(u1)) * cos(twoPi * u2);
        out[i] = static_cast<T>(mean + std * z);
    }
}

#define RNG_KERNELS(T, S)                                                                                    \
    extern "C" __global__ void uniform_##S(T* out, i64 n, i64 seed, i64 offset, double lo, double hi) {       \
        uniformImpl<T>(out, n, seed, offset, lo, hi);                                                        \
    }                                                                                                        \
    CARNOT_EXPORT(uniform_##S)                                                                               \
    extern "C" __global__ void normal_##S(T* out, i64 n, i64 seed, i64 offset, double mean, double std) {     \
        normalImpl<T>(out, n, seed, offset, mean, std);                                                      \
    }                                                                                                        \
    CARNOT_EXPORT(normal_##S)

RNG_KERNELS(float, f32)
RNG_KERNELS(double, f64)

/** out[4 i + r] = word r of Philox4x32-10 with counter (c0 + i, c1, c2, c3) and key (k0, k1); for tests. */
extern "C" __global__ void philox_raw(unsigned* out, i64 n, unsigned c0, unsigned c1, unsigned c2, unsigned c3,
                                      unsigned k0, unsigned k1) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        unsigned w[4] = {c0 + static_cast<unsigned>(i), c1, c2, c3};
        philox(w, k0, k1);
        for (int r = 0; r < 4; r++) {
            out[4 * i + r] = w[r];
        }
    }
}
CARNOT_EXPORT(philox_raw)
