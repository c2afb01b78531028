package carnot.science.optim;

/**
 * Learning-rate schedule η(t) for step t = 0, 1, …:
 * <ul>
 *   <li>{@code constant}: η(t) = η;</li>
 *   <li>{@code warmup}: η(t) = η·(t+1)/W for t &lt; W, then η;</li>
 *   <li>{@code cosine}: linear warm-up over W steps, then η_min + ½(η − η_min)(1 + cos(π·(t−W)/(T−W))) up to T
 *       total steps (η_min after T).</li>
 * </ul>
 *
 * @param kind     constant, warmup or cosine
 * @param lr       peak learning rate η &gt; 0
 * @param warmup   warm-up steps W ≥ 0
 * @param total    total steps T (cosine), ≥ W
 * @param minLr    floor η_min for cosine, in [0, η]
 */
public record Schedule(Kind kind, double lr, int warmup, long total, double minLr) {

    /** Schedule shapes. */
    public enum Kind { CONSTANT, WARMUP, COSINE }

    public Schedule {
        if (!(lr > 0) || warmup < 0 || total < warmup || !(minLr >= 0 && minLr <= lr)) {
            throw new IllegalArgumentException("schedule needs lr > 0, warmup >= 0, total >= warmup, 0 <= minLr <= lr; given lr="
                    + lr + " warmup=" + warmup + " total=" + total + " minLr=" + minLr);
        }
        if (kind == Kind.WARMUP && warmup == 0) {
            throw new IllegalArgumentException("a warmup schedule needs warmup steps > 0; given 0");
        }
    }

    public static Schedule constant(double lr) {
        return new Schedule(Kind.CONSTANT, lr, 0, 0, 0);
    }

    /** Parses "constant", "warmup:W" or "cosine[:W]" for peak rate lr and T total steps. */
    public static Schedule parse(String spec, double lr, long total) {
        String[] parts = spec.split(":");
        int w = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        return switch (parts[0].toLowerCase()) {
            case "constant" -> constant(lr);
            case "warmup" -> new Schedule(Kind.WARMUP, lr, w, Math.max(total, w), 0);
            case "cosine" -> new Schedule(Kind.COSINE, lr, w, Math.max(total, w), 0);
            default -> throw new IllegalArgumentException("unknown schedule '" + spec + "'; expected constant, warmup:W or cosine[:W]");
        };
    }

    /** η(t). */
    public double at(long t) {
        if (kind != Kind.CONSTANT && t < warmup) {
            return lr * (t + 1) / warmup;
        }
        if (kind != Kind.COSINE) {
            return lr;
        }
        if (t >= total) {
            return minLr;
        }
        double p = (double) (t - warmup) / Math.max(1, total - warmup);
        return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * p));
    }
}
