// Elementwise family: unary ops and activation derivatives, affine, broadcasting binary ops, where, axpy.
// Launch: 1-D grid-stride, blockDim 256, gridDim = min(ceil(n / 256), 4096); host side: ElementwiseCuda.java.
// unary_T and binary_dense_T (same-shaped dense operands) switch on the op once, outside the element loop, into a
// loop instantiated per op; the loop moves 16 bytes per thread and step (float x 4, double x 2) when every pointer
// is 16-byte aligned, then a scalar tail. binary_T (broadcasting view) also switches once, then per element
// decomposes the index over the view's axes.
// Op codes (UnaryOp, BinaryOp) come from ops.h, generated at build time from the Java enums Unary and Binary by
// carnot.kernels.cuda.OpCodes. The switches list every code without a default, so the emulation build
// (-Werror=switch) fails when an enum constant has no case here.
#include "carnot_cuda.h"
#include "ops.h"

using carnot::i64;

/** Overflow-free logistic: e = exp(-|x|), x >= 0 ? 1 / (1 + e) : e / (1 + e). */
template <typename T>
__device__ __forceinline__ T sigmoid(T x) {
    T e = carnot::dexp(-carnot::dabs(x));
    return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
}

/** e / (1 + e)^2 with e = exp(-|z|): the logistic derivative without cancellation. */
template <typename T>
__device__ __forceinline__ T logisticSlope(T z) {
    T e = carnot::dexp(-carnot::dabs(z));
    return e / ((T(1) + e) * (T(1) + e));
}

// Same forms as the reference (ElementwiseRef): gelu = x sigmoid(2z), z = sqrt(2/pi)(x + 0.044715 x^3), which
// equals 0.5 x (1 + tanh z) without its cancellation; tanh' = 4 e2 / (1 + e2)^2 with e2 = exp(-2|x|).
template <typename T>
__device__ __forceinline__ T unaryOp(int op, T x) {
    const T c2 = T(2 * 0.7978845608028654);  // 2 sqrt(2 / pi)
    const T g = T(0.044715);
    switch (static_cast<UnaryOp>(op)) {
        case U_NEG: return -x;
        case U_ABS: return carnot::dabs(x);
        case U_SIGN: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x);
        case U_SQUARE: return x * x;
        case U_SQRT: return carnot::dsqrt(x);
        case U_RSQRT: return T(1) / carnot::dsqrt(x);
        case U_RECIP: return T(1) / x;
        case U_EXP: return carnot::dexp(x);
        case U_LOG: return carnot::dlog(x);
        case U_TANH: return carnot::dtanh(x);
        case U_RELU: return carnot::jmax(x, T(0));
        case U_GELU: return x * sigmoid(c2 * (x + g * x * x * x));
        case U_SIGMOID: return sigmoid(x);
        case U_SOFTPLUS: return carnot::jmax(x, T(0)) + carnot::dlog1p(carnot::dexp(-carnot::dabs(x)));
        case U_D_TANH: return T(4) * logisticSlope(T(2) * x);
        case U_D_RELU: return x > T(0) ? T(1) : T(0);
        case U_D_GELU: {
            T z = c2 * (x + g * x * x * x);
            T dz = c2 * (T(1) + T(3) * g * x * x);
            return sigmoid(z) + x * dz * logisticSlope(z);
        }
        case U_D_SIGMOID: return logisticSlope(x);
        case U_D_SOFTPLUS: return sigmoid(x);
    }
    return x;
}

/**
 * gelu''(x) of the tanh form as x sigmoid(z), z = 2c (x + a x^3): sigmoid'(z) (2 z' + x z'' + x z'^2 (1 - 2
 * sigmoid(z))), z' = 2c (1 + 3a x^2), z'' = 12 a c x; 0 where sigmoid'(z) underflows (ElementwiseRef.geluSecond).
 */
template <typename T>
__device__ __forceinline__ T geluSecond(T x) {
    const T c2 = T(2 * 0.7978845608028654);
    const T g = T(0.044715);
    T z = c2 * (x + g * x * x * x);
    T dz = c2 * (T(1) + T(3) * g * x * x);
    T ddz = T(6) * g * c2 * x;
    T slope = logisticSlope(z);
    if (slope == T(0)) {
        return T(0);
    }
    return slope * (T(2) * dz + x * ddz + x * dz * dz * (T(1) - T(2) * sigmoid(z)));
}

template <typename T>
__device__ __forceinline__ T binaryOp(int op, T a, T b) {
    switch (static_cast<BinaryOp>(op)) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        case B_DIV: return a / b;
        case B_POW: return carnot::dpow(a, b);
        case B_MAX: return carnot::jmax(a, b);
        case B_MIN: return carnot::jmin(a, b);
        case B_GT: return a > b ? T(1) : T(0);
        case B_GE: return a >= b ? T(1) : T(0);
        case B_EQ: return a == b ? T(1) : T(0);
        case B_TANH_BACKWARD: return a * (T(1) - b * b);
        case B_SIGMOID_BACKWARD: return a * (b * (T(1) - b));
        case B_GELU_BACKWARD: return a * unaryOp(U_D_GELU, b);
    }
    return a;
}

/** 16 bytes of T, loaded and stored as one vector access (ld.global.v4.f32 / v2.f64). */
template <typename T>
struct alignas(16) Pack {
    T v[16 / sizeof(T)];
};

/** Whether every pointer is 16-byte aligned (the vector path's requirement). */
__device__ __forceinline__ bool aligned16(const void* a, const void* b, const void* c) {
    return ((reinterpret_cast<unsigned long long>(a) | reinterpret_cast<unsigned long long>(b)
             | reinterpret_cast<unsigned long long>(c)) & 15u) == 0;
}

/** out[i] = OP(x[i]): 16-byte vectors over [0, n - n % W) when aligned, then the scalar rest. */
template <typename T, UnaryOp OP>
__device__ void unaryLoop(const T* x, T* out, i64 n) {
    constexpr int W = 16 / sizeof(T);
    i64 done = 0;
    if (aligned16(x, out, out)) {
        i64 nv = n / W;
        const Pack<T>* xv = reinterpret_cast<const Pack<T>*>(x);
        Pack<T>* ov = reinterpret_cast<Pack<T>*>(out);
        for (i64 i = carnot::globalThread(); i < nv; i += carnot::gridStride()) {
            Pack<T> p = xv[i];
CARNOT_UNROLL
            for (int k = 0; k < W; k++) {
                p.v[k] = unaryOp(OP, p.v[k]);
            }
            ov[i] = p;
        }
        done = nv * W;
    }
    for (i64 i = done + carnot::globalThread(); i < n; i += carnot::gridStride()) {
        out[i] = unaryOp(OP, x[i]);
    }
}

template <typename T>
__device__ void unaryImpl(int op, const T* x, T* out, i64 n) {
    switch (static_cast<UnaryOp>(op)) {
        case U_NEG: return unaryLoop<T, U_NEG>(x, out, n);
        case U_ABS: return unaryLoop<T, U_ABS>(x, out, n);
        case U_SIGN: return unaryLoop<T, U_SIGN>(x, out, n);
        case U_SQUARE: return unaryLoop<T, U_SQUARE>(x, out, n);
        case U_SQRT: return unaryLoop<T, U_SQRT>(x, out, n);
        case U_RSQRT: return unaryLoop<T, U_RSQRT>(x, out, n);
        case U_RECIP: return unaryLoop<T, U_RECIP>(x, out, n);
        case U_EXP: return unaryLoop<T, U_EXP>(x, out, n);
        case U_LOG: return unaryLoop<T, U_LOG>(x, out, n);
        case U_TANH: return unaryLoop<T, U_TANH>(x, out, n);
        case U_RELU: return unaryLoop<T, U_RELU>(x, out, n);
        case U_GELU: return unaryLoop<T, U_GELU>(x, out, n);
        case U_SIGMOID: return unaryLoop<T, U_SIGMOID>(x, out, n);
        case U_SOFTPLUS: return unaryLoop<T, U_SOFTPLUS>(x, out, n);
        case U_D_TANH: return unaryLoop<T, U_D_TANH>(x, out, n);
        case U_D_RELU: return unaryLoop<T, U_D_RELU>(x, out, n);
        case U_D_GELU: return unaryLoop<T, U_D_GELU>(x, out, n);
        case U_D_SIGMOID: return unaryLoop<T, U_D_SIGMOID>(x, out, n);
        case U_D_SOFTPLUS: return unaryLoop<T, U_D_SOFTPLUS>(x, out, n);
    }
}

template <typename T>
__device__ void affineImpl(const T* x, T* out, i64 n, T alpha, T beta) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        out[i] = alpha * x[i] + beta;
    }
}

/** out[i] = OP(a[i], b[i]) for dense same-shaped operands: 16-byte vectors when aligned, then the scalar rest. */
template <typename T, BinaryOp OP>
__device__ void binaryDenseLoop(const T* a, const T* b, T* out, i64 n) {
    constexpr int W = 16 / sizeof(T);
    i64 done = 0;
    if (aligned16(a, b, out)) {
        i64 nv = n / W;
        const Pack<T>* av = reinterpret_cast<const Pack<T>*>(a);
        const Pack<T>* bv = reinterpret_cast<const Pack<T>*>(b);
        Pack<T>* ov = reinterpret_cast<Pack<T>*>(out);
        for (i64 i = carnot::globalThread(); i < nv; i += carnot::gridStride()) {
            Pack<T> p = av[i];
            Pack<T> q = bv[i];
CARNOT_UNROLL
            for (int k = 0; k < W; k++) {
                p.v[k] = binaryOp(OP, p.v[k], q.v[k]);
            }
            ov[i] = p;
        }
        done = nv * W;
    }
    for (i64 i = done + carnot::globalThread(); i < n; i += carnot::gridStride()) {
        out[i] = binaryOp(OP, a[i], b[i]);
    }
}

/** out[i] = OP(a[ia], b[ib]) over the dense index space of v (callers merge contiguous axes first). */
template <typename T, BinaryOp OP>
__device__ void binaryViewLoop(const T* a, const T* b, T* out, const carnot::View& v, i64 n) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        i64 ia;
        i64 ib;
        carnot::viewOffsets(v, i, ia, ib);
        out[i] = binaryOp(OP, a[ia], b[ib]);
    }
}

/** The dense loop when {@code v} is null, else the view loop; the op switch runs once per thread. */
template <typename T>
__device__ void binaryImpl(int op, const T* a, const T* b, T* out, const carnot::View* v, i64 n) {
#define CARNOT_BINARY_CASE(OP)                                                                   \
    case OP:                                                                                     \
        return v == nullptr ? binaryDenseLoop<T, OP>(a, b, out, n) : binaryViewLoop<T, OP>(a, b, out, *v, n);
    switch (static_cast<BinaryOp>(op)) {
        CARNOT_BINARY_CASE(B_ADD)
        CARNOT_BINARY_CASE(B_SUB)
        CARNOT_BINARY_CASE(B_MUL)
        CARNOT_BINARY_CASE(B_DIV)
        CARNOT_BINARY_CASE(B_POW)
        CARNOT_BINARY_CASE(B_MAX)
        CARNOT_BINARY_CASE(B_MIN)
        CARNOT_BINARY_CASE(B_GT)
        CARNOT_BINARY_CASE(B_GE)
        CARNOT_BINARY_CASE(B_EQ)
        CARNOT_BINARY_CASE(B_TANH_BACKWARD)
        CARNOT_BINARY_CASE(B_SIGMOID_BACKWARD)
        CARNOT_BINARY_CASE(B_GELU_BACKWARD)
    }
#undef CARNOT_BINARY_CASE
}

template <typename T>
__device__ void whereImpl(const T* mask, const T* a, const T* b, T* out, i64 n) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        out[i] = mask[i] != T(0) ? a[i] : b[i];
    }
}

/**
 * The tangent of tanh's backward g (1 - y^2): out = tg (1 - y y) - (2 g y) ty in one pass (5 reads/writes of the
 * decomposed form's 5 kernels and ~13 passes over memory become 4 reads + 1 write).
 */
template <typename T>
__device__ void tanhBackwardTangentImpl(const T* tg, const T* g, const T* y, const T* ty, T* out, i64 n) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        T yi = y[i];
        out[i] = tg[i] * (T(1) - yi * yi) - T(2) * g[i] * yi * ty[i];
    }
}

/**
 * The tangent of GELU's backward g gelu'(x): out = tg gelu'(x) + (g tx) gelu''(x) in one pass (4 reads + 1 write;
 * the decomposed Tensor-algebra form is ~40 kernels in an HVP).
 */
template <typename T>
__device__ void geluBackwardTangentImpl(const T* tg, const T* g, const T* x, const T* tx, T* out, i64 n) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        T xi = x[i];
        out[i] = tg[i] * unaryOp(U_D_GELU, xi) + g[i] * tx[i] * geluSecond(xi);
    }
}

/** The tangent of sigmoid's backward g y (1 - y): out = tg (y (1 - y)) + (g ty) (1 - 2 y) in one pass. */
template <typename T>
__device__ void sigmoidBackwardTangentImpl(const T* tg, const T* g, const T* y, const T* ty, T* out, i64 n) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        T yi = y[i];
        out[i] = tg[i] * (yi * (T(1) - yi)) + g[i] * ty[i] * (T(1) - T(2) * yi);
    }
}

template <typename T>
__device__ void axpyImpl(i64 n, T alpha, const T* x, T* y) {
    for (i64 i = carnot::globalThread(); i < n; i += carnot::gridStride()) {
        y[i] += alpha * x[i];
    }
}

#define ELEMENTWISE_KERNELS(T, S)                                                                           \
    extern "C" __global__ void unary_##S(int op, const T* x, T* out, i64 n) { unaryImpl<T>(op, x, out, n); } \
    CARNOT_EXPORT(unary_##S)                                                                                \
    extern "C" __global__ void affine_##S(const T* x, T* out, i64 n, T alpha, T beta) {                      \
        affineImpl<T>(x, out, n, alpha, beta);                                                              \
    }                                                                                                       \
    CARNOT_EXPORT(affine_##S)                                                                               \
    extern "C" __global__ void binary_##S(int op, const T* a, const T* b, T* out, carnot::View v, i64 n) {   \
        binaryImpl<T>(op, a, b, out, &v, n);                                                                \
    }                                                                                                       \
    CARNOT_EXPORT(binary_##S)                                                                               \
    extern "C" __global__ void binary_dense_##S(int op, const T* a, const T* b, T* out, i64 n) {             \
        binaryImpl<T>(op, a, b, out, nullptr, n);                                                           \
    }                                                                                                       \
    CARNOT_EXPORT(binary_dense_##S)                                                                         \
    extern "C" __global__ void where_##S(const T* mask, const T* a, const T* b, T* out, i64 n) {             \
        whereImpl<T>(mask, a, b, out, n);                                                                   \
    }                                                                                                       \
    CARNOT_EXPORT(where_##S)                                                                                \
    extern "C" __global__ void axpy_##S(i64 n, T alpha, const T* x, T* y) { axpyImpl<T>(n, alpha, x, y); }   \
    CARNOT_EXPORT(axpy_##S)                                                                                 \
    extern "C" __global__ void tanh_backward_tangent_##S(const T* tg, const T* g, const T* y, const T* ty,    \
                                                          T* out, i64 n) {                                  \
        tanhBackwardTangentImpl<T>(tg, g, y, ty, out, n);                                                   \
    }                                                                                                       \
    CARNOT_EXPORT(tanh_backward_tangent_##S)                                                                \
    extern "C" __global__ void gelu_backward_tangent_##S(const T* tg, const T* g, const T* x, const T* tx,    \
                                                          T* out, i64 n) {                                  \
        geluBackwardTangentImpl<T>(tg, g, x, tx, out, n);                                                   \
    }                                                                                                       \
    CARNOT_EXPORT(gelu_backward_tangent_##S)                                                                \
    extern "C" __global__ void sigmoid_backward_tangent_##S(const T* tg, const T* g, const T* y, const T* ty, \
                                                             T* out, i64 n) {                               \
        sigmoidBackwardTangentImpl<T>(tg, g, y, ty, out, n);                                                \
    }                                                                                                       \
    CARNOT_EXPORT(sigmoid_backward_tangent_##S)

ELEMENTWISE_KERNELS(float, f32)
ELEMENTWISE_KERNELS(double, f64)
