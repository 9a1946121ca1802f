package dev.rawcache.bench;

import dev.rawcache.CacheConfig;
import dev.rawcache.CachedEntry;
import dev.rawcache.RawDiskCache;
import dev.rawcache.ZeroCopyStats;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
import org.openjdk.jmh.infra.Blackhole;

/**
 * How fast are hits by each read path, for values of 4 KiB, 64 KiB and 1 MiB?
 * <p>
 * <b>Data set.</b> 256 MiB of values (65,536 keys of 4 KiB, 4,096 of 64 KiB, 256 of 1 MiB) in a cache sized to hold
 * them all without eviction, in a fresh file under {@code java.io.tmpdir}. Setup stores every value, flushes the file
 * to disk ({@code fdatasync}, so write-back does not run during the measurement), then reads every key back once by
 * {@link RawDiskCache#lookup(String)} and compares it with the bytes stored: the page cache is warm, every mapped
 * entry has had its one-time checksum check, and a benchmark that measured wrong bytes fails here. Keys are drawn
 * from a {@link ScrambledZipf} (exponent 0.99, fixed seed) precomputed into 2^20 draws, so the timed loop only
 * indexes an array. Every lookup must hit; a miss fails the run.
 * <p>
 * <b>Paths</b> ({@code path}); all but {@code zeroCopyNoRead} touch every byte of the value once:
 * <ul>
 *     <li>{@code copy}: {@link RawDiskCache#lookup(String)}, a new heap buffer per hit. Below the mmap threshold
 *     this is one {@code pread} into the library's scratch buffer and a copy into the new array; at or above it, a
 *     copy out of the mapping. The value's CRC32C is checked on its first read since the file was opened.</li>
 *     <li>{@code copyInto}: {@link RawDiskCache#lookupInto(String, ByteBuffer)} into the thread's reused direct
 *     buffer, as a server reads into a pooled buffer: nothing allocated. Below the threshold a value stored without
 *     a header (4 KiB values) is one {@code pread} straight into that buffer.</li>
 *     <li>{@code zeroCopy}: {@link RawDiskCache#lookupZeroCopy(String)}, then every byte of
 *     {@link CachedEntry#buffers()} is read (summed as native-order longs with {@code ByteBuffer.getLong}), then the
 *     entry is closed. Below the threshold the library hands out a positional-read copy, as documented.</li>
 *     <li>{@code zeroCopyNoRead}: as {@code zeroCopy} but the buffers are not read: the cost of the view itself
 *     (pinning, opening, making the buffers, closing, and the library's share of closing the shared arena that
 *     scopes its views, a JVM-wide handshake paid once per grace period).</li>
 *     <li>{@code transferTo}: {@link RawDiskCache#transferTo(String, java.nio.channels.WritableByteChannel)} to a
 *     blocking loopback TCP socket drained by a thread of its own ({@link LoopbackSink}; {@code /dev/null} and pipes
 *     would let {@code sendfile} skip the copy). The op ends when the bytes are in the socket's send buffer, so in
 *     steady state the rate is that of the receiver's copy, which runs on the other core. This path ignores the mmap
 *     threshold (headers are checked through the mapping whenever the file is mapped).</li>
 * </ul>
 * <b>Threshold</b> ({@code mmapThreshold}): 65536 (the default) sends 4 KiB values down the positional path and
 * 64 KiB and 1 MiB values through the mapping; 0 maps everything, to measure 4 KiB mapped reads. At 64 KiB and 1 MiB
 * both settings measure the same path. With {@code adaptive=true} the copy path measures both read paths on the
 * workload and moves each size class to the faster one (the teardown line prints the threshold it settled on).
 * <p>
 * <b>Results</b>: the primary score is lookups per second; the secondary {@code bytes} score (an
 * {@link AuxCounters} counter, printed in "ops/s") is value bytes per second.
 * <p>
 * <b>Run</b> (builds first if needed):
 * <pre>
 * ./rawcache bench '\.LookupBenchmark'                                     # everything, about 9 minutes
 * ./rawcache bench '\.LookupBenchmark' -p valueSize=4096 -p path=copy,zeroCopy -p mmapThreshold=65536
 * ./rawcache bench '\.LookupBenchmark' -wi 1 -i 2 -w 1s -r 2s -f 1          # quick mode
 * ./rawcache bench '\.LookupBenchmark' -p valueSize=4096 -p path=copy -p adaptive=false,true   # the adaptive threshold
 * $JAVA_HOME/bin/java -jar cache-bench/target/benchmarks.jar LookupBenchmark -p valueSize=65536 -p path=zeroCopy
 * </pre>
 * The fork's JVM flags come from {@link Fork#jvmArgsAppend()} here; nothing needs to be passed by hand: rawcache's
 * two ({@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED}),
 * {@code --sun-misc-unsafe-memory-access=allow} for JMH's own use of {@code sun.misc.Unsafe}, and a fixed, pre-touched
 * heap ({@code -Xms2g -Xmx2g -XX:+AlwaysPreTouch}): on this machine's VMs the first touch of fresh memory runs at
 * about 300 MB/s, and while G1 grew the heap, iterations of the allocating {@code copy} path ran up to 40 times
 * slower than the ones after.
 * <p>
 * <b>Limits of this machine kind</b> (from {@code REFERENCES.md}, one thread, warm page cache): memory copy
 * 10–23 GB/s; random 4 KiB {@code pread} of a cached file 0.95 M ops/s (1.84 M with 2 threads); random 4 KiB copy
 * out of a mapping 2.2 M ops/s; loopback {@code transferTo} 2.3–2.7 GB/s for one stream. A figure well above its
 * limit deserves a look at what was measured; teardown prints the cache's read-path counters and the bytes the
 * process fetched from storage during the trial ({@code read_bytes} of {@code /proc/self/io}, 0 when the page cache
 * held everything) for that purpose.
 * <p>
 * Thread-safe as JMH uses it: the cache is shared, each thread has its own cursor and socket ({@code -t 2} works).
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
public class LookupBenchmark
{
    /** Bytes of values in the data set. */
    public static final long DATA_SET_BYTES = 256L << 20;
    /** Zipf draws precomputed per trial; a power of two. */
    public static final int DRAWS = 1 << 20;
    /** Seed of the key draws. */
    public static final long SEED = 42;

    private static final int DRAW_MASK = DRAWS - 1;

    /** Value length in bytes. */
    @Param({"4096", "65536", "1048576"})
    public int valueSize;

    /** Read path: copy, copyInto, zeroCopy, zeroCopyNoRead or transferTo. */
    @Param({"copy", "copyInto", "zeroCopy", "zeroCopyNoRead", "transferTo"})
    public String path;

    /** Value length at and above which lookups go through the mapping. */
    @Param({"65536", "0"})
    public int mmapThreshold;

    /**
     * Whether {@code lookup} (the copy path) adapts the threshold to the faster path per size class
     * ({@link CacheConfig.Builder#adaptiveThreshold(boolean)}), starting from {@link #mmapThreshold}.
     */
    @Param({"false"})
    public boolean adaptive;

    /**
     * Whether each lookup's key is a new {@code String} built for it, as a proxy builds the key from the request it
     * just read, instead of the very instance the key was stored with (which lets an index that keeps the key's
     * {@code String} compare references and skip reading the key's bytes).
     */
    @Param({"false"})
    public boolean freshKeys;

    private ReadPath readPath;
    private Path directory;
    private RawDiskCache cache;
    private String[] keys;
    private int[] draws;
    private long storageBytesAtStart;
    private final AtomicInteger threadCount = new AtomicInteger();

    /**
     * Creates the benchmark state; JMH calls this once per trial.
     */
    public LookupBenchmark()
    {
    }

    /** The read paths under test. */
    public enum ReadPath
    {
        /** {@link RawDiskCache#lookup(String)}. */
        COPY,
        /** {@link RawDiskCache#lookupInto(String, ByteBuffer)} into a reused direct buffer. */
        COPY_INTO,
        /** {@link RawDiskCache#lookupZeroCopy(String)}, every byte read. */
        ZERO_COPY,
        /** {@link RawDiskCache#lookupZeroCopy(String)}, buffers made but not read. */
        ZERO_COPY_NO_READ,
        /** {@link RawDiskCache#transferTo(String, java.nio.channels.WritableByteChannel)} to loopback TCP. */
        TRANSFER_TO;

        /**
         * The path a {@code path} parameter names.
         *
         * @param name copy, copyInto, zeroCopy, zeroCopyNoRead or transferTo.
         * @return the path.
         */
        public static ReadPath of(final String name)
        {
            return switch (name)
            {
                case "copy" -> COPY;
                case "copyInto" -> COPY_INTO;
                case "zeroCopy" -> ZERO_COPY;
                case "zeroCopyNoRead" -> ZERO_COPY_NO_READ;
                case "transferTo" -> TRANSFER_TO;
                default -> throw new IllegalArgumentException("unknown path " + name +
                    "; expected copy, copyInto, zeroCopy, zeroCopyNoRead or transferTo");
            };
        }
    }

    /**
     * Creates the cache, stores the data set, flushes it, checks every value once and draws the keys.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        readPath = ReadPath.of(path);
        final int items = (int)(DATA_SET_BYTES / valueSize);
        directory = BenchSupport.createTempDirectory("lookup");
        final Path file = directory.resolve("lookup.cache");
        cache = RawDiskCache.open(CacheConfig.builder(file)
            .capacityBytes(BenchSupport.capacityFor(items, valueSize))
            .mmapThreshold(mmapThreshold)
            .adaptiveThreshold(adaptive)
            .build());
        keys = BenchSupport.keys(items);
        for (int i = 0; i < items; i++)
        {
            cache.store(keys[i], BenchSupport.value(i, valueSize));
        }
        if (cache.stats().entries() != items || cache.stats().evictions() != 0)
        {
            throw new IllegalStateException("the data set does not fit: " + cache.stats());
        }
        BenchSupport.flushToDisk(file);

        for (int i = 0; i < items; i++)
        {
            final ByteBuffer value = cache.lookup(keys[i]);
            if (value == null || !value.equals(ByteBuffer.wrap(BenchSupport.value(i, valueSize))))
            {
                throw new IllegalStateException("key " + keys[i] + " read back " +
                    (value == null ? "nothing" : "wrong bytes"));
            }
        }
        try (CachedEntry entry = cache.lookupZeroCopy(keys[0]))
        {
            final boolean mapped = valueSize >= mmapThreshold;
            if (entry.isMapped() != mapped)
            {
                throw new IllegalStateException("expected a " + (mapped ? "mapped" : "copied") + " entry at " +
                    valueSize + " bytes with threshold " + mmapThreshold);
            }
        }
        draws = new ScrambledZipf(items, ScrambledZipf.DEFAULT_EXPONENT, SEED).indices(DRAWS);
        storageBytesAtStart = BenchSupport.storageReadBytes();
    }

    /**
     * Prints the read-path counters, as a check that the path measured is the path named, then closes the cache and
     * deletes its directory.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            if (cache != null)
            {
                final ZeroCopyStats z = cache.zeroCopyStats();
                final long fromStorage = BenchSupport.storageReadBytes() - storageBytesAtStart;
                System.out.printf("%n[%s %d B, threshold %d%s, effective %d] hits %d, misses %d, mmap reads %d, " +
                    "positional zero-copy fallbacks %d, sendfile transfers %d, bytes read from storage %d%n", path,
                    valueSize, mmapThreshold, adaptive ? " adaptive" : "", cache.effectiveMmapThreshold(),
                    cache.stats().hits(), cache.stats().misses(), z.mmapReads(), z.mmapSkipped(),
                    z.sendfileTransfers(), fromStorage);
                cache.close();
            }
        }
        finally
        {
            BenchSupport.deleteRecursively(directory);
        }
    }

    /**
     * One lookup of the next key by the path under test.
     *
     * @param reader the thread's cursor and socket.
     * @param traffic the thread's byte counter.
     * @param blackhole sink for what was read.
     */
    @Benchmark
    public void lookup(final Reader reader, final Traffic traffic, final Blackhole blackhole)
    {
        final String stored = keys[draws[reader.cursor++ & DRAW_MASK]];
        final String key = freshKeys ? reader.keyBuilder.delete(0, Integer.MAX_VALUE).append(stored).toString() : stored;
        switch (readPath)
        {
            case COPY ->
            {
                final ByteBuffer value = cache.lookup(key);
                if (value == null)
                {
                    throw miss(key);
                }
                traffic.bytes += value.remaining();
                blackhole.consume(value);
            }
            case COPY_INTO ->
            {
                final ByteBuffer into = reader.into.clear();
                final long length = cache.lookupInto(key, into);
                if (length != valueSize)
                {
                    throw miss(key);
                }
                traffic.bytes += length;
                blackhole.consume(into);
            }
            case ZERO_COPY ->
            {
                try (CachedEntry entry = cache.lookupZeroCopy(key))
                {
                    if (entry == null)
                    {
                        throw miss(key);
                    }
                    long sum = 0;
                    for (final ByteBuffer buffer : entry.buffers())
                    {
                        sum += BenchSupport.sumLongs(buffer);
                    }
                    traffic.bytes += entry.size();
                    blackhole.consume(sum);
                }
            }
            case ZERO_COPY_NO_READ ->
            {
                try (CachedEntry entry = cache.lookupZeroCopy(key))
                {
                    if (entry == null)
                    {
                        throw miss(key);
                    }
                    blackhole.consume(entry.buffers());
                    traffic.bytes += entry.size();
                }
            }
            case TRANSFER_TO ->
            {
                final long sent = cache.transferTo(key, reader.sink.channel());
                if (sent < 0)
                {
                    throw miss(key);
                }
                reader.sink.countSent(sent);
                traffic.bytes += sent;
            }
        }
    }

    private IllegalStateException miss(final String key)
    {
        return new IllegalStateException("unexpected miss for " + key + ": " + cache.stats());
    }

    /**
     * One benchmark thread's position in the key draws, its buffer for {@code copyInto} and, for {@code transferTo}, its socket.
     */
    @State(Scope.Thread)
    public static class Reader
    {
        int cursor;
        LoopbackSink sink;
        ByteBuffer into;
        final StringBuilder keyBuilder = new StringBuilder();

        /**
         * Creates the thread's state; JMH calls this.
         */
        public Reader()
        {
        }

        /**
         * Starts the thread's cursor at its own place in the draws and opens its socket if needed.
         *
         * @param benchmark the benchmark state.
         */
        @Setup(Level.Trial)
        public void setUp(final LookupBenchmark benchmark)
        {
            cursor = benchmark.threadCount.getAndIncrement() * (DRAWS / 8);
            sink = benchmark.readPath == ReadPath.TRANSFER_TO ? LoopbackSink.open() : null;
            into = ByteBuffer.allocateDirect(benchmark.valueSize);
        }

        /**
         * Closes the socket, checking that every byte sent arrived.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            if (sink != null)
            {
                sink.close();
            }
        }
    }
}
