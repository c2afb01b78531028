package carnot.models.data;

import carnot.engine.io.NdArray;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * Character-level language-model data from a text. The vocabulary is the sorted set of distinct UTF-16 chars of
 * the text; token id = index in it.
 *
 * @param text       the text
 * @param vocabulary sorted distinct characters
 */
public record Text(String text, char[] vocabulary) {

    /** The text with its own vocabulary. */
    public static Text of(String text) {
        if (text.length() < 2) {
            throw new IllegalArgumentException("a text for language modelling needs >= 2 characters; given "
                    + text.length());
        }
        TreeSet<Character> set = new TreeSet<>();
        for (int i = 0; i < text.length(); i++) {
            set.add(text.charAt(i));
        }
        char[] v = new char[set.size()];
        int k = 0;
        for (char c : set) {
            v[k++] = c;
        }
        return new Text(text, v);
    }

    @Override
    public char[] vocabulary() {
        return vocabulary.clone();
    }

    /** Token id of character c (binary search in the vocabulary). */
    public int id(char c) {
        int i = Arrays.binarySearch(vocabulary, c);
        if (i < 0) {
            throw new IllegalArgumentException("character '" + c + "' is not in the vocabulary");
        }
        return i;
    }

    /**
     * {@code n} windows of ctx+1 characters at seeded uniform start positions: x = ids of chars s…s+ctx-1,
     * y = ids of chars s+1…s+ctx. x, y I32 [n, ctx].
     */
    public Examples windows(int n, int ctx, long seed) {
        if (n < 1 || ctx < 1 || ctx + 1 > text.length()) {
            throw new IllegalArgumentException("windows needs n >= 1 and 1 <= ctx < text length " + text.length()
                    + "; given n=" + n + ", ctx=" + ctx);
        }
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int[] x = new int[n * ctx];
        int[] y = new int[n * ctx];
        for (int i = 0; i < n; i++) {
            int s = r.nextInt(text.length() - ctx);
            for (int j = 0; j < ctx; j++) {
                x[i * ctx + j] = id(text.charAt(s + j));
                y[i * ctx + j] = id(text.charAt(s + j + 1));
            }
        }
        return new Examples(NdArray.ofI32(x, n, ctx), NdArray.ofI32(y, n, ctx));
    }
}
