package carnot.kernels.gemm;

import java.util.Arrays;
import java.util.Locale;

/**
 * The arithmetic of f32 GEMMs on the CUDA backend, fixed when the backend is built (never changed afterwards):
 * <ul>
 * <li>{@link #EXACT} (the default): f32 FMAs on the CUDA cores, so results agree with the CPU backends within the
 * usual f32 rounding bound;</li>
 * <li>{@link #TF32}: A and B rounded to TF32 (10 mantissa bits, round to nearest with ties away from zero, as
 * {@code cvt.rna.tf32.f32}), products on the tensor cores, f32 accumulation; needs compute capability 8.0+;</li>
 * <li>{@link #BF16}: A and B rounded to BF16 (7 mantissa bits, round to nearest even), tensor cores, f32
 * accumulation; needs compute capability 8.0+.</li>
 * </ul>
 * f64 GEMMs are always computed in f64 (DMMA tensor cores on 8.0+, FMAs on the CUDA cores before), whatever the
 * mode. The mode is chosen at the edge: {@code CudaBackend} factories take it, or read {@link #PROPERTY} once.
 */
public enum GemmPrecision {
    EXACT,
    TF32,
    BF16;

    /** The system property the {@code CudaBackend} factories read once when no mode is passed: exact, tf32, bf16. */
    public static final String PROPERTY = "carnot.cuda.gemm";

    /** The mode named {@code s} (case-insensitive); null or blank means {@link #EXACT}. */
    public static GemmPrecision parse(String s) {
        if (s == null || s.isBlank()) {
            return EXACT;
        }
        for (GemmPrecision p : values()) {
            if (p.name().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("-D" + PROPERTY + " requires one of "
                + Arrays.toString(values()).toLowerCase(Locale.ROOT) + "; given '" + s + "'");
    }

    /** The mode of {@link #PROPERTY} (EXACT when unset). */
    public static GemmPrecision fromSystemProperty() {
        return parse(System.getProperty(PROPERTY));
    }

    /** Whether this mode runs on tensor cores (compute capability 8.0+). */
    public boolean tensorCores() {
        return this != EXACT;
    }
}
