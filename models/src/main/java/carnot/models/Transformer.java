package carnot.models;

import carnot.engine.Model;
import carnot.engine.Param;
import carnot.engine.Readout;
import carnot.engine.Role;
import carnot.engine.Tensor;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decoder-only transformer: token + learned position embeddings, {@code layers} pre-LayerNorm blocks of causal
 * multi-head self-attention and a GELU MLP, a final LayerNorm and an untied bias-free readout. Parameter names,
 * shapes, roles and init are tabulated in models/README.md (equal to its PyTorch {@code Transformer}):
 * <pre>
 *   h = tok_emb[x] + pos_emb[0:t]                                   x: I32 token ids [B, t], t ≤ ctx
 *   per block:  a = LN1(h);  q, k, v = a Wqᵀ, a Wkᵀ, a Wvᵀ, split into H heads of d/H
 *               s = q kᵀ / √(d/H), s[i, j] = −∞ for j &gt; i;   h += join(softmax(s) v) Wprojᵀ
 *               h += gelu(LN2(h) Wfcᵀ) Wprojᵀ
 *   logits = LN_f(h) headᵀ                                          [B, t, V]
 * </pre>
 * LayerNorm: {@code g ⊙ (h − mean)/√(var + 1e−5) + b} over d. With {@code lastOnly} the forward returns the logits
 * of the last position [B, V] (one target per sequence), else [B, t, V] (a target per position); the last block
 * then computes its query, residual, MLP and readout at the last position only (keys and values at every
 * position), which gives the same logits as the full forward's last row (one block at t = 4, d_model 64, vocab 99:
 * 0.41 of its multiply-adds). Each weight is used as {@code multiplier · value}; the query weight has role
 * ATTN_LOGIT so a parameterization's multiplier on it scales the attention logits. {@link #features} gives the
 * residual stream after every block and LN_f(h), and {@link #readout} the head that maps the latter to the logits.
 */
public final class Transformer implements Model {
    /** Masked attention logits get this added; exp of it underflows to exactly 0 as with −∞. */
    private static final double MASK = -1e30;
    private static final double EPS = 1e-5;
    private static final int PER_BLOCK = 10;

    /**
     * Sizes of a transformer.
     *
     * @param vocab    vocabulary V
     * @param ctx      context length T (maximum sequence length)
     * @param dModel   width d
     * @param heads    attention heads H (dividing d)
     * @param layers   number of blocks
     * @param mlpRatio MLP hidden width / d
     */
    public record Config(int vocab, int ctx, int dModel, int heads, int layers, int mlpRatio) {
        /** Checks positivity and that heads divides dModel. */
        public Config {
            if (vocab <= 0 || ctx <= 0 || dModel <= 0 || heads <= 0 || layers <= 0 || mlpRatio <= 0) {
                throw new IllegalArgumentException("Transformer sizes must be positive; given vocab " + vocab + ", ctx "
                        + ctx + ", d_model " + dModel + ", heads " + heads + ", layers " + layers + ", mlp ratio " + mlpRatio);
            }
            if (dModel % heads != 0) {
                throw new IllegalArgumentException("Transformer heads must divide d_model; given heads " + heads
                        + ", d_model " + dModel);
            }
        }
    }

    private final Config config;
    private final boolean lastOnly;
    private final boolean fused;
    private final List<Param> params;

    /**
     * A transformer on {@code backend} in {@code dtype}, weights from {@code seed}; see the class doc for lastOnly.
     * Attention is the fused op ({@link Tensor#attention}) on the CUDA backend, where it keeps the [t, t] scores out
     * of device memory, and the decomposed ops elsewhere: on the CPU backend the fused kernels measured 17 % more
     * CPU time per gradient and per HVP at context 64 (bench/README.md) than the decomposed ops' batched GEMMs.
     */
    public Transformer(Backend backend, DType dtype, Config c, boolean lastOnly, long seed) {
        this(backend, dtype, c, lastOnly, seed, backend instanceof carnot.kernels.cuda.CudaBackend);
    }

    /**
     * As {@link #Transformer(Backend, DType, Config, boolean, long)}; {@code fusedAttention} picks the fused attention
     * op (one kernel forward and one backward, no [t, t] scores stored) or the decomposed ops (scores, additive
     * mask, softmax, product: the same function, equal to rounding).
     */
    public Transformer(Backend backend, DType dtype, Config c, boolean lastOnly, long seed, boolean fusedAttention) {
        this.config = c;
        this.lastOnly = lastOnly;
        this.fused = fusedAttention;
        int d = c.dModel();
        int f = c.mlpRatio() * d;
        double sd = 1 / Math.sqrt(d);
        Init init = new Init(backend, dtype, seed);
        init.normal("tok_emb.weight", Role.EMBEDDING, c.vocab(), d, 1, c.vocab(), d);
        init.normal("pos_emb.weight", Role.EMBEDDING, c.ctx(), d, 1, c.ctx(), d);
        for (int i = 0; i < c.layers(); i++) {
            String b = "blocks." + i + ".";
            init.constant(b + "ln1.weight", Role.GAIN, 1, d, 1, d);
            init.constant(b + "ln1.bias", Role.BIAS, 1, d, 0, d);
            init.normal(b + "attn.query.weight", Role.ATTN_LOGIT, d, d, sd, d, d);
            init.normal(b + "attn.key.weight", Role.HIDDEN, d, d, sd, d, d);
            init.normal(b + "attn.value.weight", Role.HIDDEN, d, d, sd, d, d);
            init.normal(b + "attn.proj.weight", Role.HIDDEN, d, d, sd, d, d);
            init.constant(b + "ln2.weight", Role.GAIN, 1, d, 1, d);
            init.constant(b + "ln2.bias", Role.BIAS, 1, d, 0, d);
            init.normal(b + "mlp.fc.weight", Role.HIDDEN, d, f, sd, f, d);
            init.normal(b + "mlp.proj.weight", Role.HIDDEN, f, d, 1 / Math.sqrt(f), d, f);
        }
        init.constant("ln_f.weight", Role.GAIN, 1, d, 1, d);
        init.constant("ln_f.bias", Role.BIAS, 1, d, 0, d);
        init.normal("head.weight", Role.READOUT, d, c.vocab(), sd, c.vocab(), d);
        this.params = init.params();
    }

    public Config config() {
        return config;
    }

    /** True when attention is the fused op, false when it is the decomposed ops. */
    public boolean fusedAttention() {
        return fused;
    }

    /** True when the forward returns only the last position's logits. */
    public boolean lastOnly() {
        return lastOnly;
    }

    @Override
    public List<Param> params() {
        return params;
    }

    /** Token ids x I32 [B, t] (t ≤ ctx) to logits [B, t, V], or [B, V] when lastOnly: {@code LN_f(h) headᵀ}. */
    @Override
    public Tensor forward(List<Tensor> weights, Tensor x) {
        Tensor logits = stream(weights, x, null).matmul(w(weights, params.size() - 1), false, true);
        return lastOnly ? logits : logits.reshape(x.dim(0), x.dim(1), config.vocab());
    }

    /**
     * The residual stream h_i after each block i = 1 … L, then LN_f(h_L), the features the readout applies to
     * (L + 1 entries, each [N, d]): one row per output row, so N = B·t (rows b·t + j, position j of sequence b),
     * or with lastOnly N = B, the last position's rows (the last block computes only those). The same pass as
     * {@link #forward(List, Tensor)}: {@code readout(w)} applied to the last entry gives its logits bitwise.
     */
    @Override
    public List<Tensor> features(List<Tensor> weights, Tensor x) {
        List<Tensor> features = new ArrayList<>();
        stream(weights, x, features);
        return features;
    }

    /** The untied bias-free head: logits = LN_f(h_L) (m · head)ᵀ, weight [V, d], no bias. */
    @Override
    public Readout readout(List<Tensor> weights) {
        Init.check("Transformer", params, weights);
        return new Readout(w(weights, params.size() - 1), null);
    }

    /**
     * The blocks and the final LayerNorm: LN_f(h_L), [B·t, d] or with lastOnly [B, d]; collects the stream after each
     * block and LN_f(h_L) into {@code features} when given (with lastOnly, the last position's rows of each).
     */
    private Tensor stream(List<Tensor> weights, Tensor x, List<Tensor> features) {
        Init.check("Transformer", params, weights);
        if (x.rank() != 2 || x.dim(1) < 1 || x.dim(1) > config.ctx() || x.dtype() != DType.I32) {
            throw new IllegalArgumentException("Transformer input must be I32 token ids [B, t] with 1 <= t <= "
                    + config.ctx() + "; given " + x.dtype() + Arrays.toString(x.shape()));
        }
        int batch = x.dim(0);
        int t = x.dim(1);
        int d = config.dModel();
        Tensor h = w(weights, 0).gather(x).add(w(weights, 1).slice(0, 0, t)).reshape(batch * t, d);
        Tensor mask = fused ? null : causalMask(weights.get(0), t);
        for (int i = 0; i < config.layers(); i++) {
            int o = 2 + PER_BLOCK * i;
            // With lastOnly the last block's outputs are needed at the last position only: its keys and values
            // still see every position, but the query, the residual stream, the MLP and the readout run on the
            // last row of each sequence (row-wise, so the logits equal those of the full forward's last row).
            boolean lastRow = lastOnly && i == config.layers() - 1;
            Tensor a = layerNorm(h, w(weights, o), w(weights, o + 1));
            Tensor attn = attention(a, w(weights, o + 2), w(weights, o + 3), w(weights, o + 4), w(weights, o + 5),
                    lastRow, mask, batch, t);
            h = (lastRow ? lastRows(h, batch, t) : h).add(attn);
            Tensor m = layerNorm(h, w(weights, o + 6), w(weights, o + 7));
            h = h.add(m.matmul(w(weights, o + 8), false, true).gelu().matmul(w(weights, o + 9), false, true));
            if (features != null) {
                features.add(lastOnly && !lastRow ? lastRows(h, batch, t) : h);
            }
        }
        int last = 2 + PER_BLOCK * config.layers();
        Tensor out = layerNorm(h, w(weights, last), w(weights, last + 1));
        if (features != null) {
            features.add(out);
        }
        return out;
    }

    private Tensor w(List<Tensor> weights, int i) {
        return Init.scaled(params.get(i), weights.get(i));
    }

    private static Tensor layerNorm(Tensor h, Tensor gain, Tensor bias) {
        return h.layerNorm(EPS).mul(gain).add(bias);
    }

    /**
     * a [B·t, d] to the attention output projected back: [B·t, d] causal, or, when lastRow, the last position's
     * query only, [B, d] (the last position attends to every position, so it needs no mask). Fused: one
     * {@link Tensor#attention} on the [B, t, H, d/H] views of the projections (no permutes); else the scores, the
     * additive mask (unused for lastRow), softmax and product on [B, H, t, d/H].
     */
    private Tensor attention(Tensor a, Tensor wq, Tensor wk, Tensor wv, Tensor wo, boolean lastRow, Tensor causal,
                             int batch, int t) {
        int d = config.dModel();
        int dh = d / config.heads();
        Tensor mask = lastRow ? null : causal;
        int tq = lastRow ? 1 : t;
        if (fused) {
            int heads = config.heads();
            Tensor q = (lastRow ? lastRows(a, batch, t) : a).matmul(wq, false, true).reshape(batch, tq, heads, dh);
            Tensor k = a.matmul(wk, false, true).reshape(batch, t, heads, dh);
            Tensor v = a.matmul(wv, false, true).reshape(batch, t, heads, dh);
            return q.attention(k, v, 1 / Math.sqrt(dh)).reshape(batch * tq, d).matmul(wo, false, true);
        }
        Tensor q = splitHeads((lastRow ? lastRows(a, batch, t) : a).matmul(wq, false, true), batch, tq);
        Tensor k = splitHeads(a.matmul(wk, false, true), batch, t);
        Tensor v = splitHeads(a.matmul(wv, false, true), batch, t);
        Tensor s = q.matmul(k, false, true).mul(1 / Math.sqrt(dh));
        Tensor o = (mask == null ? s : s.add(mask)).softmax().matmul(v).permute(0, 2, 1, 3).reshape(batch * tq, d);
        return o.matmul(wo, false, true);
    }

    /** Rows [B·t, d] to the last position's rows [B, d]. */
    private static Tensor lastRows(Tensor z, int batch, int t) {
        int d = z.dim(1);
        return z.reshape(batch, t, d).slice(1, t - 1, t).reshape(batch, d);
    }

    private Tensor splitHeads(Tensor z, int batch, int t) {
        int heads = config.heads();
        return z.reshape(batch, t, heads, config.dModel() / heads).permute(0, 2, 1, 3);
    }

    /** [t, t] additive mask: 0 where key j ≤ query i, {@link #MASK} above the diagonal. */
    private static Tensor causalMask(Tensor like, int t) {
        double[] m = new double[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                m[i * t + j] = MASK;
            }
        }
        return Tensor.of(like.backend(), like.dtype(), m, t, t);
    }

    @Override
    public String toString() {
        return "Transformer(vocab " + config.vocab() + ", ctx " + config.ctx() + ", d_model " + config.dModel() + ", heads "
                + config.heads() + ", layers " + config.layers() + ", mlp ratio " + config.mlpRatio() + ")"
                + (lastOnly ? " last-position logits" : " all-position logits") + (fused ? "" : ", decomposed attention");
    }
}
