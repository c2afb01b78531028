package carnot.examples.experiments;

import carnot.science.observe.Matrix;
import java.util.ArrayList;
import java.util.List;

/** The rank-2 parameters (weight matrices [out, in]) of a flat parameter vector, in order, and the inverse. */
public final class FlatMatrices {
    private FlatMatrices() {
    }

    /** The weight matrices of {@code w} laid out by {@code shapes}; parameters of other ranks are skipped. */
    public static List<Matrix> of(double[] w, List<int[]> shapes) {
        List<Matrix> out = new ArrayList<>();
        int at = 0;
        for (int[] s : shapes) {
            int n = size(s);
            if (s.length == 2) {
                double[] d = new double[n];
                System.arraycopy(w, at, d, 0, n);
                out.add(new Matrix(s[0], s[1], d));
            }
            at += n;
        }
        if (at != w.length) {
            throw new IllegalArgumentException("shapes describe " + at + " values; the vector has " + w.length);
        }
        return out;
    }

    /** The flat vector of a model whose parameters are exactly these matrices, in order (shapes must match). */
    public static double[] flatten(List<Matrix> ms, List<int[]> shapes) {
        if (ms.size() != shapes.size()) {
            throw new IllegalArgumentException("need one matrix per parameter; given " + ms.size() + " for "
                    + shapes.size() + " parameters");
        }
        int total = 0;
        for (int[] s : shapes) {
            total += size(s);
        }
        double[] w = new double[total];
        int at = 0;
        for (int i = 0; i < ms.size(); i++) {
            int[] s = shapes.get(i);
            Matrix m = ms.get(i);
            if (s.length != 2 || s[0] != m.rows() || s[1] != m.cols()) {
                throw new IllegalArgumentException("parameter " + i + " has shape " + java.util.Arrays.toString(s)
                        + "; given a " + m.shape() + " matrix");
            }
            System.arraycopy(m.data(), 0, w, at, m.data().length);
            at += m.data().length;
        }
        return w;
    }

    /** The product W_L ⋯ W_1 of matrices given first-layer first. */
    public static Matrix product(List<Matrix> ms) {
        Matrix p = ms.getFirst();
        for (int l = 1; l < ms.size(); l++) {
            p = ms.get(l).times(p);
        }
        return p;
    }

    private static int size(int[] s) {
        int n = 1;
        for (int d : s) {
            n *= d;
        }
        return n;
    }
}
