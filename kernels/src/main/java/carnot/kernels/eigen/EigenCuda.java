package carnot.kernels.eigen;

import carnot.kernels.Backend;
import carnot.kernels.Buffer;
import carnot.kernels.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The CUDA variant of the symmetric eigensolver: there is no device kernel; the n x n matrix is downloaded, the
 * host backend decomposes it ({@link EigenLapack} on the CPU backend), and eigenvalues (and, when asked,
 * eigenvectors over {@code a}) are uploaded back: {@code 2 n^2 + n} elements over the bus. Arguments are validated
 * by the caller.
 */
public final class EigenCuda {
    private EigenCuda() {
    }

    /** {@code a = V, w = eigenvalues} of the symmetric {@code a} on {@code device}, computed by {@code host}. */
    public static void symmetricEigen(Backend device, Backend host, DType t, Buffer a, Buffer w, int n,
                                      boolean vectors) {
        if (n == 0) {
            return;
        }
        long nn = (long) n * n;
        try (Arena arena = Arena.ofConfined(); Buffer ha = host.alloc(t, nn); Buffer hw = host.alloc(t, n)) {
            MemorySegment sa = arena.allocate(nn * t.bytes(), 8);
            MemorySegment sw = arena.allocate((long) n * t.bytes(), 8);
            device.download(a, 0, sa, nn);
            host.upload(sa, ha, 0, nn);
            host.symmetricEigen(ha, hw, n, vectors);
            host.download(ha, 0, sa, nn);
            host.download(hw, 0, sw, n);
            device.upload(sa, a, 0, nn);
            device.upload(sw, w, 0, n);
        }
    }
}
