package carnot.cli;

import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A flag that is malformed, out of range, or does not apply to the rest of the command line. {@link Main} reports
 * it like a picocli parse error: {@code carnot: error: MESSAGE}, a hint to {@code --help}, and exit code 2; nothing
 * has been written when it is thrown. The message names the flag and the expected form or the reason.
 */
public final class FlagException extends IllegalArgumentException {
    /** A refusal with {@code message}, which names the flag. */
    public FlagException(String message) {
        super(message);
    }

    /** A refusal with {@code message}, which names the flag, caused by {@code cause}. */
    public FlagException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * True when {@code flag} was given on the command line of {@code spec} (not just defaulted); false when there is
     * no parsed command line (options filled in by a program rather than parsed).
     */
    public static boolean given(CommandSpec spec, String flag) {
        return spec != null && spec.commandLine() != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption(flag);
    }

    /**
     * Refuses each of {@code flags} that was given on the command line of {@code spec}: "--FLAG does not apply
     * REASON". Use it for a flag the command would otherwise ignore.
     */
    public static void refuseGiven(CommandSpec spec, String reason, String... flags) {
        for (String f : flags) {
            if (given(spec, f)) {
                throw new FlagException(f + " does not apply " + reason);
            }
        }
    }

    /**
     * The value {@code parse} returns; an {@link IllegalArgumentException} from it (a malformed value) becomes a
     * {@link FlagException} naming {@code flag}, the value given and the expected form.
     */
    public static <T> T parse(String flag, String given, String expected, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (FlagException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new FlagException(flag + " expects " + expected + "; given '" + given + "'"
                    + (e.getMessage() != null && !(e instanceof NumberFormatException) ? " (" + e.getMessage() + ")" : ""), e);
        }
    }
}
