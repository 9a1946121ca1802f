package dev.rawcache.bench;

import dev.rawcache.CacheConfig;
import dev.rawcache.CacheStats;
import dev.rawcache.Durability;
import dev.rawcache.RawDiskCache;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.AuxCounters;
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
 * How fast are stores of 4 KiB, 64 KiB and 1 MiB values into a full cache?
 * <p>
 * <b>What one op is.</b> {@link RawDiskCache#store(String, ByteBuffer)} of a key the cache no longer holds into a
 * cache that is full: the CRC32C of the value, the eviction of the least recently used entry (or more, until the
 * blocks are free), the allocation, encoding the entry header, the positional writes of header and value into the
 * page cache, and publishing the entry in the index. It is not a disk write: the file is written back by the kernel
 * in the background (at most the file's 512 MiB are dirty at a time), and nothing here waits for it.
 * <p>
 * <b>Workload.</b> A 512 MiB cache (capacity {@value #CAPACITY_BYTES} bytes) in a fresh file under
 * {@code java.io.tmpdir}, and a key space twice what it holds, stored round robin: by the time a key comes round
 * again it has been evicted, so every store in steady state inserts a new key and evicts one of the same size. Setup
 * fills the cache until the first eviction and flushes the file ({@code fdatasync}), so warmup and measurement both
 * run at steady state. Keys cycle instead of following a Zipf distribution because a Zipf store workload is mostly
 * overwrites of hot keys, another question. Values are eight preallocated heap buffers of pseudo-random bytes; a
 * value of 256 KiB or less goes through the library's per-thread direct scratch buffer (one {@code pwrite} with its
 * header), a larger one is written from the heap buffer (the JDK copies it through its own temporary direct buffer).
 * A 4 KiB value has no metadata, so it is stored without a header in one 4 KiB block, from the scratch buffer; the
 * key space is sized by {@link BenchSupport#blocksPerEntry}, which counts a header and so two blocks per 4 KiB
 * value: at that size the key space is about what the cache holds rather than twice, which still makes every store
 * in steady state evict (the journal and checkpoints take part of the file). No zero-copy view is ever open
 * here. Each store also appends a journal record (written out every 100 ms by the journal's flusher), and every
 * third of the journal a checkpoint is written in the background; {@code -p durability=none,periodic,onStore}
 * compares the durability modes ({@code onStore} waits for an {@code fdatasync} per store, shared by concurrent
 * stores).
 * <p>
 * <b>Results</b>: the primary score is stores per second; the secondary {@code bytes} score (an {@link AuxCounters}
 * counter, printed in "ops/s") is value bytes per second. Teardown prints the cache's counters, and the run fails if
 * any store failed or nothing was evicted.
 * <p>
 * <b>Run</b> (builds first if needed):
 * <pre>
 * ./rawcache bench StoreBenchmark                                      # everything, about 1 minute
 * ./rawcache bench StoreBenchmark -p valueSize=4096
 * ./rawcache bench StoreBenchmark -p valueSize=4096,65536 -p durability=none,periodic,onStore
 * ./rawcache bench StoreBenchmark -wi 1 -i 2 -w 1s -r 2s -f 1           # quick mode
 * $JAVA_HOME/bin/java -jar cache-bench/target/benchmarks.jar StoreBenchmark -p valueSize=1048576
 * </pre>
 * The fork's JVM flags come from {@link Fork#jvmArgsAppend()} here; nothing needs to be passed by hand: rawcache's
 * two ({@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED}),
 * {@code --sun-misc-unsafe-memory-access=allow} for JMH's own use of {@code sun.misc.Unsafe}, and a fixed, pre-touched
 * heap ({@code -Xms2g -Xmx2g -XX:+AlwaysPreTouch}): on this machine's VMs the first touch of fresh memory runs at
 * about 300 MB/s, and while G1 grew the heap, iterations of the allocating {@code copy} path ran up to 40 times
 * slower than the ones after.
 * <p>
 * <b>Limits of this machine kind</b> (from {@code REFERENCES.md}, one thread): memory copy 10–23 GB/s, and a store
 * copies each value at least once into the page cache (twice above 256 KiB) after reading it for the CRC; 4 KiB
 * stores into a preallocated file with a {@code ConcurrentHashMap} index ran at 0.47–0.48 M ops/s, RocksDB at
 * 0.30 M ops/s. For reads: random 4 KiB {@code pread} 0.95 M ops/s, random 4 KiB copy out of a mapping 2.2 M ops/s,
 * loopback {@code transferTo} 2.3–2.7 GB/s.
 * <p>
 * Thread-safe as JMH uses it: all threads share the cache and one key sequence ({@code -t 2} works).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 2, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
    "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@Threads(1)
@State(Scope.Benchmark)
public class StoreBenchmark
{
    /** The cache file's size. */
    public static final long CAPACITY_BYTES = 512L << 20;
    /** How many different value buffers are stored in turn. */
    public static final int VALUE_VARIANTS = 8;

    /** Value length in bytes. */
    @Param({"4096", "65536", "1048576"})
    public int valueSize;

    /** Durability mode: {@code none}, {@code periodic} (an fdatasync a second, the default) or {@code onStore}. */
    @Param({"periodic"})
    public String durability;

    /**
     * Journal ring in bytes; 0 for the default (1/32 of the capacity, 16 MiB here). A checkpoint rewrites every entry
     * each time a third of the ring fills, so with small values a larger ring means fewer checkpoints per store.
     */
    @Param({"0"})
    public long journalBytes;

    private Path directory;
    private RawDiskCache cache;
    private String[] keys;
    private ByteBuffer[] values;
    private final AtomicLong sequence = new AtomicLong();
    private long prefillStores;

    /**
     * Creates the benchmark state; JMH calls this once per trial.
     */
    public StoreBenchmark()
    {
    }

    /**
     * Creates the cache and fills it until it first evicts.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        directory = BenchSupport.createTempDirectory("store");
        final Path file = directory.resolve("store.cache");
        final CacheConfig.Builder builder = CacheConfig.builder(file).capacityBytes(CAPACITY_BYTES)
            .durability(durability(durability));
        if (journalBytes > 0)
        {
            builder.journalBytes(journalBytes);
        }
        cache = RawDiskCache.open(builder.build());
        final long entryBytes = BenchSupport.blocksPerEntry(BenchSupport.key(0), valueSize) * BenchSupport.BLOCK_SIZE;
        keys = BenchSupport.keys((int)(2 * CAPACITY_BYTES / entryBytes));
        values = new ByteBuffer[VALUE_VARIANTS];
        for (int i = 0; i < VALUE_VARIANTS; i++)
        {
            values[i] = ByteBuffer.wrap(BenchSupport.value(i, valueSize));
        }
        while (cache.stats().evictions() == 0)
        {
            store();
            if (sequence.get() > keys.length)
            {
                throw new IllegalStateException("no eviction after storing " + keys.length + " keys: " +
                    cache.stats());
            }
        }
        prefillStores = sequence.get();
        BenchSupport.flushToDisk(file);
    }

    static Durability durability(final String name)
    {
        return switch (name)
        {
            case "none" -> Durability.none();
            case "periodic" -> CacheConfig.DEFAULT_DURABILITY;
            case "onStore" -> Durability.onStore();
            default -> throw new IllegalArgumentException("durability " + name + " is not none, periodic or onStore");
        };
    }

    /**
     * Prints the cache's counters, checks that stores evicted and none failed, closes the cache and deletes its
     * directory.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            if (cache != null)
            {
                final CacheStats stats = cache.stats();
                System.out.printf("%n[store %d B] stores %d (prefill %d), evictions %d, store failures %d, " +
                    "entries %d, free blocks %d, checkpoints %d%n", valueSize, stats.stores(), prefillStores,
                    stats.evictions(), stats.storeFailures(), stats.entries(), stats.freeBlocks(), stats.checkpoints());
                cache.close();
                if (stats.storeFailures() != 0 || stats.evictions() < stats.stores() - prefillStores)
                {
                    throw new IllegalStateException("expected every measured store to evict and none to fail: " +
                        stats);
                }
            }
        }
        finally
        {
            BenchSupport.deleteRecursively(directory);
        }
    }

    /**
     * Stores the next key of the cycle.
     *
     * @param traffic the thread's byte counter.
     */
    @Benchmark
    public void store(final Traffic traffic)
    {
        traffic.bytes += store();
    }

    private int store()
    {
        final long n = sequence.getAndIncrement();
        final ByteBuffer value = values[(int)(n & (VALUE_VARIANTS - 1))];
        cache.store(keys[(int)(n % keys.length)], value);
        return value.remaining();
    }
}
