package carnot.science.observe;

import java.util.ArrayList;
import java.util.List;

/** Extracts the rank-2 parameters (weight matrices [out, in]) of a flat parameter vector, in order. */
final class LayerMatrices {
    private LayerMatrices() {
    }

    static List<Matrix> of(double[] w, List<int[]> shapes) {
        List<Matrix> out = new ArrayList<>();
        int at = 0;
        for (int[] s : shapes) {
            int n = 1;
            for (int d : s) {
                n *= d;
            }
            if (s.length == 2) {
                double[] d = new double[n];
                System.arraycopy(w, at, d, 0, n);
                out.add(new Matrix(s[0], s[1], d));
            }
            at += n;
        }
        return out;
    }
}
