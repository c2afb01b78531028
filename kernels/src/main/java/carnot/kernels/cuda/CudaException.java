package carnot.kernels.cuda;

/**
 * A failure of the CUDA driver or of the emulated device: a launch, an allocation (out of memory), a copy or the
 * driver itself. The message names what failed (kernel with grid/block, or the memory operation and size), the
 * driver's message and what to do.
 */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
