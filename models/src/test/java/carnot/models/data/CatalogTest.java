package carnot.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Built-in data sets are sized to the model, and misfits are errors naming the flag to change (no network used). */
class CatalogTest {
    @TempDir
    Path cache;

    private Catalog.Request mlp(int n, int in, int out) {
        return new Catalog.Request(n, in, out, 0, 0, 1, cache, new PrintStream(OutputStream.nullOutputStream()));
    }

    /** Generated sets take their shapes from the request. */
    @Test
    void generatedShapes() {
        assertArrayEquals(new int[] {20, 3}, Catalog.load("teacher", mlp(20, 4, 3)).y().shape());
        assertArrayEquals(new int[] {256, 5}, Catalog.load("linear", mlp(0, 5, 2)).x().shape());
        assertArrayEquals(new int[] {12}, Catalog.load("mixture", mlp(12, 4, 3)).y().shape());
        var tf = new Catalog.Request(10, 0, 0, 4, 9, 1, cache, System.err);
        assertArrayEquals(new int[] {10, 4}, Catalog.load("modular", tf).x().shape());
        assertArrayEquals(new int[] {10, 4}, Catalog.load("language", tf).y().shape());
        assertArrayEquals(new int[] {7 * 6, 4}, Catalog.load("modular-div", new Catalog.Request(0, 0, 0, 4, 9, 1, cache,
                System.err)).x().shape());
    }

    /** Wrong model sizes and unknown names fail before anything is fetched, naming what to change. */
    @Test
    void misfitsAreClearErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> Catalog.load("fashion-mnist", mlp(10, 100, 10)));
        assertTrue(e.getMessage().contains("784"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Catalog.load("modular", mlp(10, 3, 3)))
                .getMessage().contains("transformer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Catalog.load("imagenet", mlp(10, 3, 3)))
                .getMessage().contains("known"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RealData.fetch(cache, "imagenet", System.err))
                .getMessage().contains("fashion-mnist"));
        var tf = new Catalog.Request(10, 0, 0, 5, 9, 1, cache, System.err);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Catalog.load("modular", tf)).getMessage()
                .contains("--ctx 4"));
    }
}
