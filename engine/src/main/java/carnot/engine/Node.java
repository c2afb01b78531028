package carnot.engine;

import carnot.engine.ops.Primitive;

/** How a tensor was made: the primitive and its inputs (as given, with their nodes and tangents). */
record Node(Primitive primitive, Tensor[] inputs) {
}
