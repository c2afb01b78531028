package carnot.kernels.gemm;

import carnot.kernels.Buffer;
import carnot.kernels.CpuBackend;
import carnot.kernels.DType;
import carnot.kernels.HostData;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** OpenBLAS is called zero-copy: the pointers handed to BLAS are the buffers' own native addresses. */
class GemmBlasTest {

    /** The JavaCPP pointers carry segment address + offset * element size, so BLAS reads and writes in place. */
    @Test
    void pointersAreTheBufferAddresses() {
        try (CpuBackend be = new CpuBackend(1); Buffer f = be.alloc(DType.F32, 10); Buffer d = be.alloc(DType.F64, 10)) {
            assertEquals(f.segment().address() + 3 * 4, GemmBlas.floats(f.segment(), 3).address());
            assertEquals(d.segment().address() + 5 * 8, GemmBlas.doubles(d.segment(), 5).address());
        }
    }

    /**
     * A 1x1x1 product written by BLAS is visible through the very segment (no staging copy to copy back), and
     * elements around the output window are untouched.
     */
    @Test
    void blasWritesLandInTheSegment() {
        try (CpuBackend be = new CpuBackend(1)) {
            Buffer a = HostData.upload(be, new double[]{3});
            Buffer b = HostData.upload(be, new double[]{4});
            Buffer c = HostData.upload(be, new double[]{-1, -1, -1});
            GemmBlas.gemm(DType.F64, false, false, 1, 1, 1, 1, a.segment(), 0, 1, b.segment(), 0, 1, 0,
                    c.segment(), 1, 1);
            assertEquals(12.0, c.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 1));
            assertEquals(-1.0, c.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 0));
            assertEquals(-1.0, c.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, 2));
        }
    }
}
