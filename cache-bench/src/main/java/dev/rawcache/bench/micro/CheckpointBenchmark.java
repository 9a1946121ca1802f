package dev.rawcache.bench.micro;

import dev.rawcache.CacheConfig;
import dev.rawcache.Durability;
import dev.rawcache.RawDiskCache;
import dev.rawcache.bench.BenchSupport;

import java.nio.ByteBuffer;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long does a checkpoint of 10 k and 100 k entries take, per entry?
 * <p>
 * <b>Why it matters.</b> A checkpoint rewrites the whole index each time a third of the journal ring has filled, so a
 * cache of small entries pays it often: with 4 KiB values and the default ring (1/32 of the capacity) a third of the
 * ring holds about as many store records as the cache holds entries, so every store costs about one entry's
 * checkpoint encoding on the checkpoint thread. Profiling {@code StoreBenchmark -p valueSize=4096} found that thread
 * using a third as much CPU as the storing thread.
 * <p>
 * <b>One op</b> is {@link RawDiskCache#checkpoint()} of a cache holding {@code entries} entries with 4 KiB values and
 * proxy-shaped keys ({@link BenchSupport#key(int)}, 49 ASCII characters): the snapshot of the index in eviction
 * order, the record of every entry, their CRC32C, the positional writes into the page cache and the pointer update.
 * {@link Durability#none()}, so nothing is synced; the secondary {@code perEntry} figure is not reported by JMH, divide
 * the score by {@code entries}.
 * <p>
 * <b>Run</b> (the fork's JVM flags come from {@link Fork#jvmArgsAppend()}):
 * <pre>
 * ./rawcache bench CheckpointBenchmark
 * $JAVA_HOME/bin/java -jar cache-bench/target/benchmarks.jar CheckpointBenchmark -f 1 -wi 3 -i 5
 * </pre>
 * Not thread-safe: one thread, as declared.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xms2g", "-Xmx2g"})
@Threads(1)
@State(Scope.Benchmark)
public class CheckpointBenchmark
{
    /** Value length of every entry. */
    public static final int VALUE_SIZE = 4096;

    /** Entries in the cache. */
    @Param({"10000", "100000"})
    public int entries;

    private Path directory;
    private RawDiskCache cache;

    /**
     * Creates the benchmark state; JMH calls this once per trial.
     */
    public CheckpointBenchmark()
    {
    }

    /**
     * Creates the cache and stores the entries.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        directory = BenchSupport.createTempDirectory("checkpoint");
        final long capacity = BenchSupport.capacityFor(entries, VALUE_SIZE) * 3 / 2;
        cache = RawDiskCache.open(CacheConfig.builder(directory.resolve("checkpoint.cache")).capacityBytes(capacity)
            .durability(Durability.none()).build());
        final ByteBuffer value = ByteBuffer.allocateDirect(VALUE_SIZE).put(BenchSupport.value(1, VALUE_SIZE)).flip();
        for (int i = 0; i < entries; i++)
        {
            cache.store(BenchSupport.key(i), value);
        }
        if (cache.stats().entries() != entries)
        {
            throw new IllegalStateException("the cache holds " + cache.stats().entries() + " entries, not " + entries);
        }
    }

    /**
     * Writes one checkpoint.
     */
    @Benchmark
    public void checkpoint()
    {
        cache.checkpoint();
    }

    /**
     * Closes the cache and deletes its file.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        cache.close();
        BenchSupport.deleteRecursively(directory);
    }
}
