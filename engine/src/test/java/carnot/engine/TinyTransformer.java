package carnot.engine;

import carnot.kernels.Backend;
import carnot.kernels.DType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Test-only causal transformer over token ids [B, t]: token and position embeddings, then per block pre-LN
 * multi-head attention (scores, additive causal mask, softmax on [B, H, t, t]) and a pre-LN GELU MLP with
 * residuals, a final layer norm and a bias-free head: logits [B, t, V] at every position.
 */
final class TinyTransformer implements Model {
    private static final int PER_BLOCK = 10;
    private final List<Param> params = new ArrayList<>();
    private final int d;
    private final int heads;
    private final int layers;
    private UnaryOperator<Tensor> layerNorm = h -> h.layerNorm(1e-5);

    TinyTransformer(Backend be, DType dt, long seed, int vocab, int ctx, int d, int heads, int layers, int ratio) {
        this.d = d;
        this.heads = heads;
        this.layers = layers;
        long[] off = {0};
        add(be, dt, seed, off, "tok", Role.EMBEDDING, vocab, d, 1.0);
        add(be, dt, seed, off, "pos", Role.EMBEDDING, ctx, d, 0.5);
        for (int l = 0; l < layers; l++) {
            gain(be, dt, seed, off, l + ".ln1");
            for (String w : new String[]{"q", "k", "v", "o"}) {
                add(be, dt, seed, off, l + ".w" + w, Role.HIDDEN, d, d, 1 / Math.sqrt(d));
            }
            gain(be, dt, seed, off, l + ".ln2");
            add(be, dt, seed, off, l + ".fc", Role.HIDDEN, ratio * d, d, 1 / Math.sqrt(d));
            add(be, dt, seed, off, l + ".proj", Role.HIDDEN, d, ratio * d, 1 / Math.sqrt(ratio * d));
        }
        gain(be, dt, seed, off, "lnf");
        add(be, dt, seed, off, "head", Role.READOUT, vocab, d, 1 / Math.sqrt(d));
    }

    private void add(Backend be, DType dt, long seed, long[] off, String name, Role role, int rows, int cols, double sd) {
        params.add(new Param(name, role, cols, rows, Tensor.randn(be, dt, seed, off[0], sd, rows, cols)));
        off[0] += (long) rows * cols;
    }

    /** A layer norm's gain and bias, perturbed from 1 and 0 so that their second derivatives are generic. */
    private void gain(Backend be, DType dt, long seed, long[] off, String name) {
        params.add(new Param(name + ".g", Role.GAIN, 1, d, Tensor.randn(be, dt, seed, off[0], 0.1, d).add(1.0)));
        params.add(new Param(name + ".b", Role.BIAS, 1, d, Tensor.randn(be, dt, seed, off[0] + d, 0.1, d)));
        off[0] += 2L * d;
    }

    /** This model with {@code f} in place of {@code h.layerNorm(1e-5)} (eps 1e-5, no gain or bias). */
    TinyTransformer withLayerNorm(UnaryOperator<Tensor> f) {
        layerNorm = f;
        return this;
    }

    @Override
    public List<Param> params() {
        return params;
    }

    @Override
    public Tensor forward(List<Tensor> w, Tensor x) {
        int b = x.dim(0);
        int t = x.dim(1);
        int dh = d / heads;
        double[] m = new double[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                m[i * t + j] = -1e9;
            }
        }
        Tensor mask = Tensor.of(x.backend(), w.getFirst().dtype(), m, t, t);
        Tensor h = w.get(0).gather(x).add(w.get(1).slice(0, 0, t)).reshape(b * t, d);
        for (int l = 0; l < layers; l++) {
            int o = 2 + PER_BLOCK * l;
            Tensor a = layerNorm.apply(h).mul(w.get(o)).add(w.get(o + 1));
            Tensor q = heads(a.matmul(w.get(o + 2), false, true), b, t);
            Tensor k = heads(a.matmul(w.get(o + 3), false, true), b, t);
            Tensor v = heads(a.matmul(w.get(o + 4), false, true), b, t);
            Tensor s = q.matmul(k, false, true).mul(1 / Math.sqrt(dh)).add(mask).softmax();
            h = h.add(s.matmul(v).permute(0, 2, 1, 3).reshape(b * t, d).matmul(w.get(o + 5), false, true));
            Tensor f = layerNorm.apply(h).mul(w.get(o + 6)).add(w.get(o + 7));
            h = h.add(f.matmul(w.get(o + 8), false, true).gelu().matmul(w.get(o + 9), false, true));
        }
        int last = 2 + PER_BLOCK * layers;
        Tensor out = layerNorm.apply(h).mul(w.get(last)).add(w.get(last + 1));
        return out.matmul(w.get(last + 2), false, true).reshape(b, t, -1);
    }

    private Tensor heads(Tensor z, int b, int t) {
        return z.reshape(b, t, heads, d / heads).permute(0, 2, 1, 3);
    }

    /** n sequences of t token ids below vocab, deterministic, with next-token targets of the same shape. */
    static DataSet tokens(Backend be, int n, int t, int vocab) {
        int[] x = new int[n * t];
        int[] y = new int[n * t];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 5 + i / 7) % vocab;
            y[i] = (i * 3 + 1) % vocab;
        }
        return new ArrayDataSet(Tensor.indices(be, x, n, t), Tensor.indices(be, y, n, t));
    }
}
