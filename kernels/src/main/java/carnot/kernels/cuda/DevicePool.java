package carnot.kernels.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator over a {@link KernelLauncher}, in the spirit of PyTorch's: freed blocks are kept in
 * per-size free lists and handed out again instead of calling {@code cuMemFree} (which synchronises the device)
 * and {@code cuMemAlloc} for every tensor. Reuse is safe because all work is ordered on the launcher's one stream.
 * Sizes are rounded up to 512 bytes (up to 1 MiB) or to 2 MiB. When the device runs out of memory, all cached
 * blocks are released and the allocation is retried once. Disabled (exact sizes, direct free) with
 * {@code -Dcarnot.cuda.pool=false}, e.g. for sanitizer runs.
 */
final class DevicePool {
    /** System property that turns the cache off when "false". */
    static final String PROPERTY = "carnot.cuda.pool";
    private static final long SMALL = 1L << 20;
    private static final long SMALL_STEP = 512;
    private static final long LARGE_STEP = 2L << 20;

    private final KernelLauncher dev;
    private final boolean enabled;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private long cachedBytes;

    DevicePool(KernelLauncher dev) {
        this.dev = dev;
        this.enabled = !"false".equals(System.getProperty(PROPERTY));
    }

    /** The block size used for a request of {@code bytes}. */
    static long blockSize(long bytes) {
        long step = bytes <= SMALL ? SMALL_STEP : LARGE_STEP;
        return (bytes + step - 1) / step * step;
    }

    /** A device block of at least {@code bytes} (>= 1), reused from the cache when one of its size is free. */
    synchronized long alloc(long bytes) {
        long size = enabled ? blockSize(bytes) : bytes;
        ArrayDeque<Long> list = free.get(size);
        if (list != null && !list.isEmpty()) {
            cachedBytes -= size;
            return list.pop();
        }
        try {
            return dev.malloc(size);
        } catch (CudaException e) {
            if (cachedBytes == 0) {
                throw e;
            }
            releaseCached();
            return dev.malloc(size);
        }
    }

    /** Returns a block from {@link #alloc} requested with {@code bytes} to the cache (or frees it when disabled). */
    synchronized void free(long address, long bytes) {
        if (!enabled) {
            dev.free(address);
            return;
        }
        long size = blockSize(bytes);
        free.computeIfAbsent(size, s -> new ArrayDeque<>()).push(address);
        cachedBytes += size;
    }

    /** Bytes held in the cache (allocated on the device, owned by no buffer). */
    synchronized long cachedBytes() {
        return cachedBytes;
    }

    /** Frees every cached block on the device (after the queued work that may still use them). */
    synchronized void releaseCached() {
        if (cachedBytes == 0) {
            return;
        }
        dev.synchronize();
        for (ArrayDeque<Long> list : free.values()) {
            for (long a : list) {
                dev.free(a);
            }
        }
        free.clear();
        cachedBytes = 0;
    }
}
