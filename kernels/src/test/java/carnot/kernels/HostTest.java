package carnot.kernels;

import carnot.kernels.elementwise.VecF32;
import carnot.kernels.elementwise.VecF64;
import carnot.kernels.gemm.BlasCore;
import com.sun.management.HotSpotDiagnosticMXBean;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reports and checks the host-dependent choices the kernels run with, so a CI pass under another OpenBLAS core
 * type or vector width proves it ran under it: the OpenBLAS kernel family of the GEMM and LAPACK libraries (must
 * be a DYNAMIC_ARCH build and equal {@code OPENBLAS_CORETYPE} when that is set) and the Vector API species (at most
 * {@code MaxVectorSize} bytes; equal to {@code CARNOT_EXPECT_VECTOR_BITS} when that is set). Prints one line
 * starting with {@code carnot host:}.
 */
class HostTest {

    @Test
    void reportsAndHonoursCoreTypeAndVectorWidth() {
        BlasCore.Library gemm = BlasCore.gemmLibrary();
        BlasCore.Library lapack = BlasCore.lapackLibrary();
        long maxVectorBytes = Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("MaxVectorSize").getValue());
        String coreType = System.getenv("OPENBLAS_CORETYPE");
        System.out.println("carnot host: openblas core " + gemm.coreName() + " (" + gemm.file() + "), "
                + lapack.coreName() + " (" + lapack.file() + "); OPENBLAS_CORETYPE=" + (coreType == null ? "" : coreType)
                + "; " + gemm.config() + "; vector species f32 " + VecF32.S.vectorBitSize() + " bits ("
                + VecF32.S.length() + " lanes), f64 " + VecF64.S.vectorBitSize() + " bits; MaxVectorSize "
                + maxVectorBytes + "; java " + System.getProperty("java.vm.version"));
        assertTrue(gemm.config().contains("DYNAMIC_ARCH"), "OpenBLAS must be a DYNAMIC_ARCH build: " + gemm.config());
        if (coreType != null && !coreType.isBlank()) {
            assertEquals(coreType.toLowerCase(java.util.Locale.ROOT), gemm.coreName().toLowerCase(java.util.Locale.ROOT),
                    "OPENBLAS_CORETYPE not honoured by " + gemm.file());
            assertEquals(coreType.toLowerCase(java.util.Locale.ROOT), lapack.coreName().toLowerCase(java.util.Locale.ROOT),
                    "OPENBLAS_CORETYPE not honoured by " + lapack.file());
        }
        assertTrue(VecF32.S.vectorBitSize() <= 8 * maxVectorBytes && VecF64.S.vectorBitSize() <= 8 * maxVectorBytes,
                "species wider than MaxVectorSize " + maxVectorBytes);
        String bits = System.getenv("CARNOT_EXPECT_VECTOR_BITS");
        if (bits != null && !bits.isBlank()) {
            assertEquals(Integer.parseInt(bits.trim()), VecF32.S.vectorBitSize(), "f32 species width");
            assertEquals(Integer.parseInt(bits.trim()), VecF64.S.vectorBitSize(), "f64 species width");
        }
    }
}
