package carnot.distributed;

import carnot.engine.ArrayDataSet;
import carnot.engine.DataSet;
import carnot.engine.Scope;
import carnot.engine.Tensor;
import carnot.engine.io.AtomicFiles;
import carnot.engine.io.NdArray;
import carnot.engine.io.Npz;
import carnot.kernels.Backend;
import carnot.kernels.DType;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A training set split into shard files on a path every executor can read: shard i is the npz file
 * {@code files[i]} with arrays {@code x} [n_i, ...] and {@code y} [n_i, ...] in the dtype the model computes in
 * (float inputs/targets) or I32 (token or class ids), rows {@code [sum_{j<i} n_j, sum_{j<=i} n_j)} of the whole set.
 * {@link #write} cuts a data set on chunk boundaries and writes {@code shards.txt} (one line {@code FILE ROWS} per
 * shard) beside the shards; {@link #open} reads that index. Shard i is Spark partition i.
 *
 * @param files shard files, in row order
 * @param rows  samples per shard
 */
public record Shards(List<String> files, int[] rows) implements Serializable {
    /** Name of the index file in a shard folder. */
    public static final String INDEX = "shards.txt";

    public Shards {
        files = List.copyOf(files);
        rows = rows.clone();
        if (files.isEmpty() || files.size() != rows.length) {
            throw new IllegalArgumentException("Shards: need one row count per file and at least one file; given "
                    + files.size() + " files and " + rows.length + " row counts");
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 1) {
                throw new IllegalArgumentException("Shards: shard " + i + " (" + files.get(i) + ") must have >= 1 rows; given " + rows[i]);
            }
        }
    }

    /** Number of shards. */
    public int count() {
        return rows.length;
    }

    /** N, all rows. */
    public int totalSize() {
        long n = 0;
        for (int r : rows) {
            n += r;
        }
        return Math.toIntExact(n);
    }

    /** "shard i of n (FILE, ROWS samples, SIZE MB on disk)": how errors name a shard. */
    public String describe(int i) {
        long disk = -1;
        try {
            disk = Files.size(Path.of(files.get(i)));
        } catch (IOException | RuntimeException e) {
            // size unknown: leave it out
        }
        return String.format(Locale.ROOT, "shard %d of %d (%s, %d samples%s)", i, count(), files.get(i), rows[i],
                disk < 0 ? "" : ", " + bytes(disk) + " on disk");
    }

    /** Bytes as text: "812 B", "11.5 kB", "31.4 MB", "2.10 GB" (powers of 1000). */
    public static String bytes(long b) {
        if (b < 1000) {
            return b + " B";
        }
        if (b < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f kB", b / 1e3);
        }
        if (b < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f GB", b / 1e9);
    }

    /**
     * Rows per shard for n samples in at most {@code shards} shards, a multiple of {@code chunk} (so shard
     * boundaries are chunk boundaries of the single-process pass): {@code ceil(ceil(n / shards) / chunk) * chunk}.
     */
    public static int rowsPerShard(int n, int shards, int chunk) {
        if (n < 1 || shards < 1 || chunk < 1) {
            throw new IllegalArgumentException("rowsPerShard: need n, shards, chunk >= 1; given " + n + ", " + shards + ", " + chunk);
        }
        int per = (n + shards - 1) / shards;
        return Math.min(n, (per + chunk - 1) / chunk * chunk);
    }

    /**
     * Writes {@code data} as shards of {@code rowsPerShard} rows (the last may be shorter) into {@code dir}
     * ({@code shard-00000.npz}, ...) plus the index, and returns them. Arrays keep the tensors' dtype exactly (f64,
     * f32 or i32), so an executor reads back bitwise the same rows.
     */
    public static Shards write(DataSet data, Path dir, int rowsPerShard) {
        if (rowsPerShard < 1) {
            throw new IllegalArgumentException("Shards.write: rowsPerShard must be >= 1; given " + rowsPerShard);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create shard folder " + dir + ": " + e.getMessage(), e);
        }
        List<String> files = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        StringBuilder index = new StringBuilder();
        for (int from = 0, i = 0; from < data.size(); from += rowsPerShard, i++) {
            int to = Math.min(data.size(), from + rowsPerShard);
            Path f = dir.resolve(String.format(Locale.ROOT, "shard-%05d.npz", i)).toAbsolutePath();
            try (Scope s = Scope.open()) {
                Npz.write(java.util.Map.of("x", array(data.x(from, to)), "y", array(data.y(from, to))), f, false);
            }
            files.add(f.toString());
            rows.add(to - from);
            index.append(f.getFileName()).append(' ').append(to - from).append('\n');
        }
        AtomicFiles.write(dir.resolve(INDEX), index.toString().getBytes(StandardCharsets.UTF_8));
        return new Shards(files, rows.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The shards listed in {@code dir/shards.txt} (file names relative to {@code dir}). */
    public static Shards open(Path dir) {
        Path idx = dir.resolve(INDEX);
        List<String> lines;
        try {
            lines = Files.readAllLines(idx, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read shard index " + idx + ": " + e.getMessage(), e);
        }
        List<String> files = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (f.length != 2) {
                throw new IllegalArgumentException("shard index " + idx + ": lines must be 'FILE ROWS'; given '" + line + "'");
            }
            files.add(dir.resolve(f[0]).toAbsolutePath().toString());
            rows.add(Integer.parseInt(f[1]));
        }
        return new Shards(files, rows.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Reads shard i onto {@code backend}: float arrays become {@code dtype} tensors, integer arrays I32 ids; the row
     * count must match the index. Allocated outside any scope (the caller owns the tensors).
     */
    public Shard load(int i, Backend backend, DType dtype) {
        Path f = Path.of(files.get(i));
        var a = Npz.read(f);
        NdArray x = Npz.require(a, "x", f);
        NdArray y = Npz.require(a, "y", f);
        if (x.rank() == 0 || y.rank() == 0 || x.shape()[0] != rows[i] || y.shape()[0] != rows[i]) {
            throw new IllegalArgumentException(describe(i) + ": x and y must have " + rows[i] + " rows as the index says; given x "
                    + x + ", y " + y);
        }
        return new Shard(i, f.toString(), new ArrayDataSet(tensor(x, backend, dtype), tensor(y, backend, dtype)), totalSize());
    }

    private static Tensor tensor(NdArray a, Backend be, DType dtype) {
        return a.dtype().isFloating() ? Tensor.of(be, dtype, a.toDoubles(), a.shape()) : Tensor.indices(be, a.toInts(), a.shape());
    }

    private static NdArray array(Tensor t) {
        return switch (t.dtype()) {
            case F64 -> NdArray.ofF64(t.toDoubles(), t.shape());
            case F32 -> {
                double[] d = t.toDoubles();
                float[] f = new float[d.length];
                for (int k = 0; k < d.length; k++) {
                    f[k] = (float) d[k];
                }
                yield NdArray.ofF32(f, t.shape());
            }
            case I32 -> NdArray.ofI32(t.toInts(), t.shape());
        };
    }
}
