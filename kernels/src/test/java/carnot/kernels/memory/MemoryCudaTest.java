package carnot.kernels.memory;

import carnot.kernels.cuda.CudaView;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which strided copies the CUDA memory family sends to the tiled transpose kernel. */
class MemoryCudaTest {

    private static boolean tiled(int[] shape, long[] strides) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return MemoryCuda.isTranspose(CudaView.words(shape, strides, 0, new long[shape.length], 0), n);
    }

    @Test
    void transposesOfTheLastTwoAxesAreTiled() {
        assertEquals(true, tiled(new int[]{33, 65}, new long[]{1, 33}), "2-D transpose");
        assertEquals(true, tiled(new int[]{40, 50}, new long[]{1, 42}), "padded leading dimension");
        assertEquals(true, tiled(new int[]{3, 33, 65}, new long[]{33 * 65, 1, 33}), "batched");
        assertEquals(true, tiled(new int[]{3, 65, 33}, new long[]{0, 1, 65}), "broadcast batch");
        assertEquals(true, tiled(new int[]{3, 2, 40, 33}, new long[]{1320, 3960, 1, 40}), "two batch axes");
        assertEquals(true, tiled(new int[]{2, 1, 300}, new long[]{1, 0, 2}), "extent-1 axis dropped, then [2, 300]^T");
    }

    @Test
    void otherViewsStayOnTheGeneralStridedCopy() {
        assertEquals(false, tiled(new int[]{5, 20}, new long[]{65, 1}), "row slice: last axis contiguous");
        assertEquals(false, tiled(new int[]{4, 65, 33}, new long[]{0, 33, 1}), "broadcast expand");
        assertEquals(false, tiled(new int[]{1, 300}, new long[]{1, 1}), "merges to one contiguous axis");
        assertEquals(false, tiled(new int[]{20, 30}, new long[]{2, 60}), "no unit-stride axis");
        assertEquals(false, tiled(new int[]{}, new long[]{}), "scalar");
        assertEquals(false, tiled(new int[]{65536 * 32 + 1, 2}, new long[]{1, 65536 * 32 + 1}),
                "more than 65535 tile rows");
    }
}
