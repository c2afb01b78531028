package carnot.kernels.cuda;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link KernelLauncher} that counts what crosses between host and device: copies each way (calls and bytes) and
 * explicit synchronisations, and which kernels were launched. {@link CudaBackend} puts every launcher behind one, so {@link CudaBackend#transfers()}
 * tells how much a piece of work moves to and from the host (what a training step may not do beyond a few scalars).
 */
final class CountingLauncher implements KernelLauncher {
    private final KernelLauncher inner;
    private final AtomicLong toDevice = new AtomicLong();
    private final AtomicLong toDeviceBytes = new AtomicLong();
    private final AtomicLong toHost = new AtomicLong();
    private final AtomicLong toHostBytes = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();
    private final Set<String> launched = ConcurrentHashMap.newKeySet();

    CountingLauncher(KernelLauncher inner) {
        this.inner = inner;
    }

    /** The launcher counted. */
    KernelLauncher inner() {
        return inner;
    }

    /** Every kernel launched so far, as {@code module/kernel}, sorted. */
    Set<String> launched() {
        return Collections.unmodifiableSet(new TreeSet<>(launched));
    }

    /** The counts so far. */
    Transfers transfers() {
        return new Transfers(toDevice.get(), toDeviceBytes.get(), toHost.get(), toHostBytes.get(), syncs.get());
    }

    @Override
    public String description() {
        return inner.description();
    }

    @Override
    public int computeCapability() {
        return inner.computeCapability();
    }

    @Override
    public long malloc(long bytes) {
        return inner.malloc(bytes);
    }

    @Override
    public void free(long address) {
        inner.free(address);
    }

    @Override
    public void memsetZero(long address, long bytes) {
        inner.memsetZero(address, bytes);
    }

    @Override
    public void copyToDevice(MemorySegment src, long dstAddress, long bytes) {
        toDevice.incrementAndGet();
        toDeviceBytes.addAndGet(bytes);
        inner.copyToDevice(src, dstAddress, bytes);
    }

    @Override
    public void copyToHost(long srcAddress, MemorySegment dst, long bytes) {
        toHost.incrementAndGet();
        toHostBytes.addAndGet(bytes);
        inner.copyToHost(srcAddress, dst, bytes);
    }

    @Override
    public void copyOnDevice(long srcAddress, long dstAddress, long bytes) {
        inner.copyOnDevice(srcAddress, dstAddress, bytes);
    }

    @Override
    public void launch(String module, String kernel, Dim3 grid, Dim3 block, KernelArgs args) {
        launched.add(module + "/" + kernel);
        inner.launch(module, kernel, grid, block, args);
    }

    @Override
    public VendorGemm vendorGemm() {
        return inner.vendorGemm();
    }

    @Override
    public void synchronize() {
        syncs.incrementAndGet();
        inner.synchronize();
    }

    @Override
    public void close() {
        inner.close();
    }
}
