package carnot.science.param;

import carnot.engine.Role;

/**
 * What a parameterization needs to know about one parameter.
 *
 * @param name  the model's parameter name, e.g. "layers.0.weight"
 * @param role  its role (input / hidden / readout weight, bias, …)
 * @param fanIn inputs feeding each output unit (≥ 1)
 * @param size  number of scalars
 */
public record ParamInfo(String name, Role role, int fanIn, long size) {
    public ParamInfo {
        if (name == null || role == null || fanIn < 1 || size < 0) {
            throw new IllegalArgumentException("parameter info needs a name, a role, fanIn >= 1 and size >= 0; given "
                    + name + ", " + role + ", " + fanIn + ", " + size);
        }
    }
}
