package carnot.kernels.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The parameter list of one kernel launch, in declaration order, each value with the exact C type of the kernel
 * parameter: device pointers and 64-bit integers ({@code long long}), 32-bit integers, floats, doubles, and
 * by-value structs made of 64-bit words (the {@code carnot::View} struct). Both launchers pass these bytes as
 * {@code cuLaunchKernel}'s {@code kernelParams} would: one pointer to each value.
 */
public final class KernelArgs {
    /** The C type of one parameter. */
    public enum Kind { PTR, I32, I64, F32, F64, WORDS }

    /** One parameter: its kind and value (Long, Integer, Float, Double or long[]). */
    public record Arg(Kind kind, Object value) {
    }

    private final List<Arg> args = new ArrayList<>();

    /** A device pointer (an address, offsets already applied). */
    public KernelArgs ptr(long address) {
        args.add(new Arg(Kind.PTR, address));
        return this;
    }

    public KernelArgs i32(int v) {
        args.add(new Arg(Kind.I32, v));
        return this;
    }

    public KernelArgs i64(long v) {
        args.add(new Arg(Kind.I64, v));
        return this;
    }

    public KernelArgs f32(float v) {
        args.add(new Arg(Kind.F32, v));
        return this;
    }

    public KernelArgs f64(double v) {
        args.add(new Arg(Kind.F64, v));
        return this;
    }

    /** A scalar of the kernel's element type: float when {@code f32}, else double. */
    public KernelArgs real(boolean f32, double v) {
        return f32 ? f32((float) v) : f64(v);
    }

    /** A by-value struct of 64-bit words (8-byte aligned, no padding). */
    public KernelArgs words(long[] w) {
        args.add(new Arg(Kind.WORDS, w.clone()));
        return this;
    }

    public List<Arg> list() {
        return Collections.unmodifiableList(args);
    }
}
