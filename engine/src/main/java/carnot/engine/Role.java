package carnot.engine;

/**
 * What a parameter does in a network, for parameterization tables (µP, NTK, standard): input layer weights,
 * hidden weights, readout weights, biases, gains (layer-norm scales), embeddings, attention-logit scaling.
 */
public enum Role {
    INPUT, HIDDEN, READOUT, BIAS, GAIN, EMBEDDING, ATTN_LOGIT
}
