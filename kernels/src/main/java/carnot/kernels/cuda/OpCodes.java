package carnot.kernels.cuda;

import carnot.kernels.Binary;
import carnot.kernels.Reduce;
import carnot.kernels.Unary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The single source of the op codes the kernels switch on: the code of a {@link Unary}, {@link Binary} or
 * {@link Reduce} op is its position in the enum's declaration ({@code ordinal()}). The kernels never spell a code:
 * they include {@code ops.h}, which {@link #main} writes from these enums at build time
 * ({@code src/main/cuda/build.sh} runs this file with the JDK's source launcher before nvcc and g++), e.g.
 * {@code enum UnaryOp : int { U_NEG = 0, U_ABS = 1, ... };}. The emulation build compiles with
 * {@code -Werror=switch}, so an enum constant the kernel's switch does not handle fails the build.
 *
 * <p>This file may only depend on the three enums (the source launcher compiles them from source on demand).
 */
public final class OpCodes {
    private OpCodes() {
    }

    /** The code of {@code op} in {@code ops.h}: its declaration index. */
    public static int of(Enum<?> op) {
        return op.ordinal();
    }

    /** The text of {@code ops.h}: one C++ enum per Java enum, constants prefixed U_, B_ and R_. */
    static String header() {
        StringBuilder h = new StringBuilder()
                .append("// Generated from the Java enums carnot.kernels.{Unary, Binary, Reduce} by carnot.kernels.cuda.OpCodes\n")
                .append("// (src/main/cuda/build.sh). Do not edit: change the enum and rebuild.\n")
                .append("#pragma once\n\n");
        enumeration(h, "UnaryOp", "U_", List.of(Unary.values()));
        enumeration(h, "BinaryOp", "B_", List.of(Binary.values()));
        enumeration(h, "ReduceOp", "R_", List.of(Reduce.values()));
        return h.toString();
    }

    private static void enumeration(StringBuilder h, String type, String prefix, List<? extends Enum<?>> ops) {
        h.append("enum ").append(type).append(" : int {\n");
        for (Enum<?> op : ops) {
            h.append("    ").append(prefix).append(op.name()).append(" = ").append(of(op)).append(",\n");
        }
        h.append("};\n\n");
    }

    /** Writes {@code ops.h} to the path given as the only argument. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("OpCodes: one argument (the ops.h path to write) is required; given "
                    + args.length);
        }
        Path out = Path.of(args[0]);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, header(), StandardCharsets.UTF_8);
    }
}
