package carnot.kernels.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the optional cuBLAS baseline is found: opt-in only, by version (13 before 12), with the reason when not. */
class CublasLookupTest {

    @Test
    void probesNewestVersionFirst() {
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), Cublas.LIBRARIES);
        List<String> probed = new ArrayList<>();
        Cublas.Choice c = Cublas.choose("true", Cublas.LIBRARIES, name -> {
            probed.add(name);
            return true;
        });
        assertEquals("libcublas.so.13", c.library());
        assertNull(c.reason());
        assertEquals(List.of("libcublas.so.13"), probed, "stops at the first soname that loads");
    }

    @Test
    void fallsBackToTwelveWhenThirteenIsMissing() {
        List<String> probed = new ArrayList<>();
        Cublas.Choice c = Cublas.choose("true", Cublas.LIBRARIES, name -> {
            probed.add(name);
            return name.equals("libcublas.so.12");
        });
        assertEquals("libcublas.so.12", c.library());
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), probed);
    }

    @Test
    void noneLoadableNamesEveryCandidate() {
        Cublas.Choice c = Cublas.choose("true", Cublas.LIBRARIES, name -> false);
        assertNull(c.library());
        assertEquals("-Dcarnot.cuda.cublas=true requires one of libcublas.so.13, libcublas.so.12 to load; "
                + "none can be loaded", c.reason());
    }

    @Test
    void offUnlessOptedInAndThenNothingIsProbed() {
        for (String property : new String[]{null, "false", "yes", ""}) {
            List<String> probed = new ArrayList<>();
            Cublas.Choice c = Cublas.choose(property, Cublas.LIBRARIES, name -> {
                probed.add(name);
                return true;
            });
            assertNull(c.library(), "property " + property);
            assertTrue(probed.isEmpty(), "no probing when off; given " + property);
            assertTrue(c.reason().startsWith("cuBLAS baseline off (opt in with -Dcarnot.cuda.cublas=true; given "),
                    c.reason());
        }
        assertTrue(Cublas.choose(null, Cublas.LIBRARIES, n -> true).reason().endsWith("given unset)"));
    }

    @Test
    void realProbeRejectsAMissingLibraryWithoutThrowing() {
        assertFalse(Cublas.loadable("libcarnot-no-such-library.so.99"));
        Cublas.Choice c = Cublas.choose("true", List.of("libcarnot-no-such-library.so.99", "libc.so.6"),
                Cublas::loadable);
        assertEquals("libc.so.6", c.library(), "the probe skips what does not load: " + c);
    }
}
