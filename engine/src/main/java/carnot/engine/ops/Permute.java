package carnot.engine.ops;

import carnot.engine.Tensor;
import carnot.kernels.Broadcast;

import java.util.Arrays;

/**
 * Axis permutation: {@code out.shape[i] = x.shape[perm[i]]} (a strided copy). jvp: permute the tangent by
 * {@code [0, perm + 1]}; vjp: permute g by the inverse permutation.
 */
public record Permute(int[] perm) implements Primitive {
    /** Equal when {@code perm} holds the same values (a record compares an array component by reference). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Permute x && Arrays.equals(perm, x.perm);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(perm);
    }

    @Override
    public String name() {
        return "permute";
    }

    @Override
    public Tensor forward(Tensor[] in) {
        Tensor x = in[0];
        int r = x.rank();
        boolean[] seen = new boolean[r];
        if (perm.length != r) {
            throw new IllegalArgumentException("permute: perm must have rank " + r + "; given " + Arrays.toString(perm));
        }
        for (int p : perm) {
            if (p < 0 || p >= r || seen[p]) {
                throw new IllegalArgumentException("permute: perm must be a permutation of 0.." + (r - 1) + "; given "
                        + Arrays.toString(perm));
            }
            seen[p] = true;
        }
        int[] s = x.shape();
        long[] dense = Broadcast.denseStrides(s);
        int[] os = new int[r];
        long[] st = new long[r];
        for (int i = 0; i < r; i++) {
            os[i] = s[perm[i]];
            st[i] = dense[perm[i]];
        }
        return Kernels.strided(x, os, st, 0);
    }

    @Override
    public Tensor jvp(Tensor[] in, Tensor out, Tensor[] t) {
        int[] p = new int[perm.length + 1];
        for (int i = 0; i < perm.length; i++) {
            p[i + 1] = perm[i] + 1;
        }
        return t[0].permute(p);
    }

    @Override
    public Tensor[] vjp(Tensor[] in, Tensor out, Tensor g, boolean[] need) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inv[perm[i]] = i;
        }
        return new Tensor[]{g.permute(inv)};
    }
}
