package carnot.models.data;

import carnot.engine.io.NdArray;
import carnot.engine.io.NpyType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A labeled data set held on the host: inputs {@code x} of shape [n, …] and targets {@code y} of shape [n, …]
 * (float targets for regression, integer class or token ids for classification). Operations return new sets.
 *
 * @param x inputs, first dimension n
 * @param y targets, first dimension n
 */
public record Examples(NdArray x, NdArray y) {

    /** Checks that x and y have rank ≥ 1 and the same number of examples. */
    public Examples {
        if (x.rank() < 1 || y.rank() < 1 || x.shape()[0] != y.shape()[0]) {
            throw new IllegalArgumentException("data x and y need the same first dimension (examples); given x "
                    + x + " and y " + y);
        }
    }

    /** Number of examples n. */
    public int size() {
        return x.shape()[0];
    }

    /** The arrays as an npz map {@code {x, y}} (what {@code --data D.npz} reads). */
    public Map<String, NdArray> toNpz() {
        Map<String, NdArray> m = new LinkedHashMap<>();
        m.put("x", x);
        m.put("y", y);
        return m;
    }

    /** The first {@code n} examples (deterministic subset); n must be in [1, size]. */
    public Examples first(int n) {
        if (n < 1 || n > size()) {
            throw new IllegalArgumentException("first(n) needs 1 <= n <= " + size() + "; given " + n);
        }
        int[] idx = new int[n];
        Arrays.setAll(idx, i -> i);
        return select(idx);
    }

    /** {@code n} distinct examples drawn uniformly without replacement with {@code seed}, in drawn order. */
    public Examples sample(int n, long seed) {
        if (n < 1 || n > size()) {
            throw new IllegalArgumentException("sample(n) needs 1 <= n <= " + size() + "; given " + n);
        }
        int[] perm = permutation(size(), seed);
        return select(Arrays.copyOf(perm, n));
    }

    /**
     * A class-balanced subset: {@code perClass} examples of every class id in y (rank-1 integer labels), taken in
     * seeded random order and interleaved class by class (0,1,…,C-1,0,1,…). Fails naming the class that has too few.
     */
    public Examples balanced(int perClass, long seed) {
        int[] labels = labels();
        int classes = Arrays.stream(labels).max().orElse(-1) + 1;
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i : permutation(size(), seed)) {
            byClass.get(labels[i]).add(i);
        }
        int[] idx = new int[perClass * classes];
        for (int c = 0; c < classes; c++) {
            if (byClass.get(c).size() < perClass) {
                throw new IllegalArgumentException("balanced(" + perClass + ") needs that many examples of every class;"
                        + " class " + c + " has " + byClass.get(c).size());
            }
            for (int k = 0; k < perClass; k++) {
                idx[k * classes + c] = byClass.get(c).get(k);
            }
        }
        return select(idx);
    }

    /** Integer class ids of a rank-1 y (errors if y is not whole-numbered or has negative ids). */
    public int[] labels() {
        if (y.rank() != 1) {
            throw new IllegalArgumentException("class labels need y of shape [n]; given " + y);
        }
        int[] l = y.toInts();
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0) {
                throw new IllegalArgumentException("class ids must be >= 0; y[" + i + "] = " + l[i]);
            }
        }
        return l;
    }

    /**
     * Per-feature standardization of x (flattened to [n, d]): {@code (x - mean_j) / std_j} with the biased std, a
     * feature of zero variance only centered. Result x is F64.
     */
    public Examples standardized() {
        return standardizedLike(this);
    }

    /**
     * x standardized with the per-feature mean and biased std of {@code reference}'s x (e.g. a test set with the
     * training set's statistics); a zero-variance feature of the reference is only centered.
     */
    public Examples standardizedLike(Examples reference) {
        int n = reference.size();
        int d = reference.x().size() / Math.max(n, 1);
        if (size() > 0 && x.size() / size() != d) {
            throw new IllegalArgumentException("standardizedLike needs " + d + " features per example like the reference "
                    + reference.x() + "; given " + x);
        }
        double[] ref = reference.x().toDoubles();
        double[] v = x.toDoubles();
        for (int j = 0; j < d; j++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += ref[i * d + j];
            }
            mean /= n;
            double var = 0;
            for (int i = 0; i < n; i++) {
                double c = ref[i * d + j] - mean;
                var += c * c;
            }
            double sd = Math.sqrt(var / n);
            for (int i = 0; i < size(); i++) {
                v[i * d + j] = sd > 0 ? (v[i * d + j] - mean) / sd : v[i * d + j] - mean;
            }
        }
        return new Examples(NdArray.ofF64(v, x.shape()), y);
    }

    /** y as one-hot F64 rows [n, classes] (for training a classifier with mse). */
    public Examples oneHot(int classes) {
        int[] l = labels();
        double[] h = new double[l.length * classes];
        for (int i = 0; i < l.length; i++) {
            if (l[i] >= classes) {
                throw new IllegalArgumentException("oneHot(" + classes + "): y[" + i + "] = " + l[i] + " is out of range");
            }
            h[i * classes + l[i]] = 1;
        }
        return new Examples(x, NdArray.ofF64(h, l.length, classes));
    }

    /** How {@link #pick} chooses a subset. */
    public enum Subset {
        /** The first n examples in file order. */
        FIRST,
        /** n examples drawn uniformly without replacement with the seed. */
        SEEDED,
        /** n/C examples of each of the C classes (n rounded down to a multiple of C), seeded, interleaved. */
        BALANCED;

        /** Parses "first", "seeded" or "balanced". */
        public static Subset parse(String s) {
            for (Subset m : values()) {
                if (m.name().equalsIgnoreCase(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("subset must be first, seeded or balanced; given '" + s + "'");
        }
    }

    /** A deterministic subset of {@code n} examples chosen by {@code mode} (see {@link Subset}); n = size() keeps all (FIRST). */
    public Examples pick(Subset mode, int n, long seed) {
        return switch (mode) {
            case FIRST -> n == size() ? this : first(n);
            case SEEDED -> sample(n, seed);
            case BALANCED -> {
                int classes = java.util.Arrays.stream(labels()).max().orElse(0) + 1;
                if (n < classes) {
                    throw new IllegalArgumentException("a balanced subset of " + classes + " classes needs n >= "
                            + classes + "; given " + n);
                }
                yield balanced(n / classes, seed);
            }
        };
    }

    /** The examples at {@code idx} (in that order). */
    public Examples select(int[] idx) {
        return new Examples(rows(x, idx), rows(y, idx));
    }

    /** A seeded permutation of 0..n-1 (Fisher–Yates with {@link SplittableRandom}). */
    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        Arrays.setAll(p, i -> i);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static NdArray rows(NdArray a, int[] idx) {
        int[] shape = a.shape();
        int n = shape[0];
        int row = n == 0 ? 0 : a.size() / n;
        shape[0] = idx.length;
        Object src = a.data();
        Object dst = switch (a.dtype()) {
            case F32 -> new float[idx.length * row];
            case F64 -> new double[idx.length * row];
            case I32 -> new int[idx.length * row];
            case I64 -> new long[idx.length * row];
        };
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= n) {
                throw new IllegalArgumentException("example index " + idx[i] + " is out of range [0, " + n + ")");
            }
            System.arraycopy(src, idx[i] * row, dst, i * row, row);
        }
        return new NdArray(a.dtype(), shape, dst);
    }

    /** True when y holds integer ids (I32/I64). */
    public boolean integerTargets() {
        return y.dtype() == NpyType.I32 || y.dtype() == NpyType.I64;
    }
}
