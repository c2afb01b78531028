package carnot.kernels;

import java.lang.foreign.MemorySegment;

/**
 * A flat run of {@code length} elements of one {@link DType}, owned by one {@link Backend}.
 *
 * <p>{@code segment} is host memory for CPU backends (and for the emulated CUDA backend); for a real device
 * backend it is a zero-length segment whose address is the device pointer. Closing frees the memory through
 * the owner; any later use throws {@link IllegalStateException} naming the buffer.
 */
public final class Buffer implements AutoCloseable {
    private final Backend owner;
    private final DType dtype;
    private final long length;
    private final MemorySegment segment;
    private final boolean hostVisible;
    private final Buffer parent;
    private final long offset;
    private boolean freed;

    /** Called by backends only. */
    public Buffer(Backend owner, DType dtype, long length, MemorySegment segment, boolean hostVisible) {
        if (length < 0) {
            throw new IllegalArgumentException("buffer length must be >= 0; given " + length);
        }
        this.owner = owner;
        this.dtype = dtype;
        this.length = length;
        this.segment = segment;
        this.hostVisible = hostVisible;
        this.parent = null;
        this.offset = 0;
    }

    private Buffer(Buffer parent, long off, long n) {
        this.owner = parent.owner;
        this.dtype = parent.dtype;
        this.length = n;
        this.hostVisible = parent.hostVisible;
        this.parent = parent;
        this.offset = off;
        long bytes = dtype.bytes();
        this.segment = hostVisible ? parent.segment.asSlice(off * bytes, n * bytes)
                : MemorySegment.ofAddress(parent.segment.address() + off * bytes);
    }

    /**
     * The elements {@code [off, off + n)} of this buffer as a buffer of their own that shares the memory (a view:
     * kernels read and write the parent's elements). A view owns nothing: closing or freeing it only marks it
     * freed, and it is dead once its parent is freed. Views of views refer to the first parent.
     */
    public Buffer slice(long off, long n) {
        checkLive("slice");
        if (off < 0 || n < 0 || off > length - n) {
            throw new IllegalArgumentException("slice: need 0 <= off and off + n <= length " + length + "; given off " + off
                    + ", n " + n + " of " + this);
        }
        return parent != null ? new Buffer(parent, offset + off, n) : new Buffer(this, off, n);
    }

    /** True when this buffer is a {@link #slice} of another. */
    public boolean isView() {
        return parent != null;
    }


    public Backend owner() {
        return owner;
    }

    public DType dtype() {
        return dtype;
    }

    public long length() {
        return length;
    }

    public long byteSize() {
        return length * dtype.bytes();
    }

    /** True when {@link #segment()} can be read and written by host code. */
    public boolean hostVisible() {
        return hostVisible;
    }

    /** The memory (or device address) behind this buffer; throws if the buffer was freed. */
    public MemorySegment segment() {
        checkLive("segment");
        return segment;
    }

    public boolean isFreed() {
        return freed || (parent != null && parent.freed);
    }

    /** Throws {@link IllegalStateException} naming {@code op} if this buffer was freed. */
    public void checkLive(String op) {
        if (freed) {
            throw new IllegalStateException(op + ": buffer used after free (" + this + ")");
        }
        if (parent != null && parent.freed) {
            throw new IllegalStateException(op + ": view used after its parent was freed (" + this + " of " + parent + ")");
        }
    }

    /** Marks this buffer freed; called by the owning backend's {@link Backend#free}. Returns false if already freed. */
    public boolean markFreed() {
        if (freed) {
            return false;
        }
        freed = true;
        return true;
    }

    @Override
    public void close() {
        if (parent != null) {
            freed = true;
        } else if (!freed) {
            owner.free(this);
        }
    }

    @Override
    public String toString() {
        return dtype + "[" + length + "]@" + owner.name() + (parent != null ? " (view)" : "") + (isFreed() ? " (freed)" : "");
    }
}
