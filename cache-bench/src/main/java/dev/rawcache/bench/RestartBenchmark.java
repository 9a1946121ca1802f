package dev.rawcache.bench;

import dev.rawcache.CacheConfig;
import dev.rawcache.RawDiskCache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long does opening a cache with 10 k, 100 k or 1 M entries take, after a clean close and after a crash?
 * <p>
 * <b>What one op is.</b> {@link RawDiskCache#open(CacheConfig)} of an existing file, until it serves: reading the
 * superblock and pointers, loading the newest checkpoint, replaying the journal since, rebuilding the index, the LRU
 * order and the allocator, and creating the counters file. Closing it again is not timed.
 * <p>
 * <b>Workload.</b> Setup fills a cache of 512-byte blocks with {@code entries} values of 64 bytes (one block each,
 * header included), keys of about 20 bytes. {@code clean}: the cache is closed, which writes a final checkpoint, so a
 * restart replays nothing. {@code crash}: the file is copied while the cache is still open (after its journal was
 * written out), which is exactly what {@code kill -9} leaves, the page cache's view of an unclosed file: the newest
 * checkpoint plus a journal tail of up to a third of the ring (the ring is 1/32 of the capacity; a checkpoint is
 * written each time a third fills), which recovery replays record by record. Each measured open works on a fresh copy
 * of that image, made untimed; the page cache holds it (warm restart, as after a process restart).
 * <p>
 * <b>Run</b>:
 * <pre>
 * ./rawcache bench RestartBenchmark                               # everything, a few minutes
 * ./rawcache bench RestartBenchmark -p entries=1000000 -p mode=crash
 * </pre>
 * The targets (issue 3): under 1 s for 1 M entries after a clean close, under 2 s after a crash, on this 2-core
 * machine.
 * <p>
 * Not thread-safe; one benchmark thread.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
    "-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class RestartBenchmark
{
    private static final int BLOCK_SIZE = 512;
    private static final int VALUE_SIZE = 64;

    /** Entries in the cache. */
    @Param({"10000", "100000", "1000000"})
    public int entries;

    /** {@code clean}: reopen after close; {@code crash}: reopen what a kill -9 leaves. */
    @Param({"clean", "crash"})
    public String mode;

    private Path directory;
    private Path image;
    private Path target;
    private CacheConfig config;
    private RawDiskCache opened;
    private long imageEntries;

    /**
     * Creates the benchmark state; JMH calls this once per trial.
     */
    public RestartBenchmark()
    {
    }

    /**
     * Builds the file image to restart from.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        directory = BenchSupport.createTempDirectory("restart");
        image = directory.resolve("image.cache");
        target = directory.resolve("restart.cache");
        // An entry takes one block; the checkpoints (newest, older, spare) about half a block more per entry.
        final long capacity = (long)entries * BLOCK_SIZE * 2 + (8L << 20);
        final CacheConfig imageConfig = configFor(image, capacity);
        config = configFor(target, capacity);
        final byte[] value = new byte[VALUE_SIZE];
        final RawDiskCache cache = RawDiskCache.open(imageConfig);
        for (int i = 0; i < entries; i++)
        {
            value[0] = (byte)i;
            cache.store("restart/key-" + i, value);
        }
        imageEntries = cache.stats().entries();
        if (imageEntries != entries)
        {
            cache.close();
            throw new IllegalStateException("the image holds " + imageEntries + " of " + entries + " entries: " +
                "the capacity is too small");
        }
        if (mode.equals("crash"))
        {
            cache.reclaimClosedViews();
            copy(image, directory.resolve("crash.cache"));
            cache.close();
            image = directory.resolve("crash.cache");
        }
        else
        {
            cache.close();
        }
        System.out.printf("%n[restart %d %s] image of %d MiB%n", entries, mode, capacity >> 20);
    }

    private static CacheConfig configFor(final Path file, final long capacity)
    {
        return CacheConfig.builder(file).capacityBytes(capacity).blockSize(BLOCK_SIZE).build();
    }

    /**
     * Puts a fresh copy of the image in place; not timed.
     */
    @Setup(Level.Invocation)
    public void copyImage()
    {
        copy(image, target);
    }

    /**
     * Opens the cache: the restart.
     *
     * @return the number of entries recovered, so the work is not dead code.
     */
    @Benchmark
    public long open()
    {
        opened = RawDiskCache.open(config);
        return opened.stats().entries();
    }

    /**
     * Checks that every entry came back, and closes the cache; not timed.
     */
    @TearDown(Level.Invocation)
    public void closeCache()
    {
        final long recovered = opened.stats().entries();
        opened.close();
        opened = null;
        if (recovered != entries)
        {
            throw new IllegalStateException("recovered " + recovered + " of " + entries + " entries");
        }
    }

    /**
     * Deletes the files.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        BenchSupport.deleteRecursively(directory);
    }

    private static void copy(final Path from, final Path to)
    {
        try
        {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
            final Path counters = Path.of(to + ".counters");
            Files.deleteIfExists(counters);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }
}
