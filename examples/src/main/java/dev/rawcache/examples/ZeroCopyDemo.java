package dev.rawcache.examples;

import dev.rawcache.CacheConfig;
import dev.rawcache.CacheStats;
import dev.rawcache.CachedEntry;
import dev.rawcache.RawDiskCache;
import dev.rawcache.ZeroCopyStats;
import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.file.CacheFile;
import dev.rawcache.io.file.Superblock;
import dev.rawcache.tools.ByteSize;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32C;

/**
 * The zero-copy demo, run by {@code ./rawcache demo [cache-file] [--capacity 256m]}: it stores small and large values
 * in a cache file, reads every one back both ways ({@link RawDiskCache#lookup(String)}, which copies onto the heap,
 * and {@link RawDiskCache#lookupZeroCopy(String)}, which hands out views of the mapped file for large values),
 * checks every byte, times both ways, sends one large value to a loopback socket with
 * {@link RawDiskCache#transferTo(String, java.nio.channels.WritableByteChannel)} ({@code sendfile}), and checks that
 * the cache's counters agree with what it did.
 * <p>
 * Every value is derived from its key ({@link ValuePattern}), so a read that returns torn, shifted or foreign bytes
 * fails the demo. The exit code is 0 when every check passes, 1 when one fails or the cache cannot be opened, and 2
 * for bad arguments.
 * <p>
 * The cache file defaults to {@code data/demo.cache} under the working directory and is kept after the run, so that
 * {@code ./rawcache stat data/demo.cache} can show its counters from another process. It is opened without
 * {@link CacheConfig.Builder#reformatIfIncompatible(boolean) reformatting}: a file of another capacity is refused,
 * and the demo says how to reuse or remove it.
 * <p>
 * Not thread-safe: one instance runs one demo; {@link #run(String[], PrintStream, PrintStream)} may be called from
 * any thread with distinct cache files.
 */
public final class ZeroCopyDemo
{
    /** The cache file used when none is given, relative to the working directory. */
    public static final Path DEFAULT_CACHE_FILE = Path.of("data", "demo.cache");
    /** The capacity used when none is given: 256 MiB. */
    public static final long DEFAULT_CAPACITY_BYTES = 256L << 20;

    /** Exit code when every check passed. */
    public static final int EXIT_OK = 0;
    /** Exit code when a check failed or the cache could not be opened. */
    public static final int EXIT_FAILED = 1;
    /** Exit code for bad arguments. */
    public static final int EXIT_USAGE = 2;

    private static final String PROGRAM = "rawcache demo";
    private static final String USAGE = """
        Usage: ./rawcache demo [cache-file] [--capacity <size>]

          cache-file         the cache file to use (default data/demo.cache); kept after the run
          --capacity <size>  the cache file's capacity, e.g. 256m (default), 64m, 1g; suffixes k, m, g
          -h, --help         show this help
        """;
    private static final int MIN_WARMUP_ROUNDS = 2;
    private static final long WARMUP_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
    private static final int TIMED_ROUNDS = 5;
    private static final long RECEIVE_TIMEOUT_SECONDS = 30;

    private static volatile long sink;

    private final RawDiskCache cache;
    private final DemoWorkload workload;
    private final PrintStream out;
    private final String shownPath;
    private final String shownCountersPath;
    private final String[] smallKeys;
    private final String[] largeKeys;
    private final String hugeKey = "demo/huge";
    private final int mmapThreshold;
    private final boolean mapped;
    private long expectedHits;
    private long smallZeroCopyReads;
    private long largeZeroCopyReads;
    private long largeZeroCopyBytes;

    private ZeroCopyDemo(final RawDiskCache cache, final DemoWorkload workload, final PrintStream out,
                         final String shownPath, final String shownCountersPath)
    {
        this.cache = cache;
        this.workload = workload;
        this.out = out;
        this.shownPath = shownPath;
        this.shownCountersPath = shownCountersPath;
        this.mmapThreshold = cache.config().mmapThreshold();
        this.mapped = cache.isZeroCopyAvailable();
        smallKeys = new String[workload.smallCount()];
        for (int i = 0; i < smallKeys.length; i++)
        {
            smallKeys[i] = String.format(Locale.ROOT, "demo/small/%04d", i);
        }
        largeKeys = new String[workload.largeCount() + 1];
        for (int i = 0; i < workload.largeCount(); i++)
        {
            largeKeys[i] = String.format(Locale.ROOT, "demo/large/%02d", i);
        }
        largeKeys[workload.largeCount()] = hugeKey;
    }

    /**
     * Runs the demo and exits with its exit code.
     *
     * @param args {@code [cache-file] [--capacity <size>]}.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the demo.
     *
     * @param args {@code [cache-file] [--capacity <size>]}.
     * @param out  where the report goes.
     * @param err  where errors and usage go.
     * @return {@link #EXIT_OK}, {@link #EXIT_FAILED} or {@link #EXIT_USAGE}.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final DemoArguments arguments;
        try
        {
            arguments = DemoArguments.parse(args, DEFAULT_CACHE_FILE, DEFAULT_CAPACITY_BYTES);
        }
        catch (final IllegalArgumentException e)
        {
            err.println(PROGRAM + ": " + e.getMessage());
            err.print(USAGE);
            return EXIT_USAGE;
        }
        if (arguments.help())
        {
            out.print(USAGE);
            return EXIT_OK;
        }

        final int blockSize = CacheConfig.DEFAULT_BLOCK_SIZE;
        final DemoWorkload workload = DemoWorkload.forCapacity(arguments.capacityBytes(), blockSize);
        if (workload == null)
        {
            err.println(PROGRAM + ": a capacity of " + ByteSize.format(arguments.capacityBytes()) + " is too small " +
                "for the demo; use at least --capacity " +
                ByteSize.toArgument(DemoWorkload.minimumCapacity(blockSize)));
            return EXIT_USAGE;
        }
        final CacheConfig config;
        try
        {
            config = CacheConfig.builder(arguments.cacheFile())
                .capacityBytes(arguments.capacityBytes())
                .blockSize(blockSize)
                .reformatIfIncompatible(false)
                .build();
        }
        catch (final IllegalArgumentException e)
        {
            err.println(PROGRAM + ": " + e.getMessage());
            return EXIT_USAGE;
        }

        final String shownPath = arguments.cacheFile().toString();
        final String shownCountersPath = shown(config.countersFile(), arguments.cacheFile().isAbsolute());
        final boolean existed = Files.exists(arguments.cacheFile());
        final RawDiskCache cache;
        try
        {
            cache = RawDiskCache.open(config);
        }
        catch (final CacheIoException e)
        {
            explainOpenFailure(e, arguments, shownPath, shownCountersPath, err);
            return EXIT_FAILED;
        }
        catch (final IllegalStateException e)
        {
            err.println(PROGRAM + ": cannot open " + shownPath + ": " + e.getMessage());
            return EXIT_FAILED;
        }

        RawDiskCache demoCache = cache;
        if (existed)
        {
            try
            {
                demoCache = warmRestart(cache, config, shownPath, out);
            }
            catch (final CheckFailure e)
            {
                cache.close();
                err.println(PROGRAM + ": CHECK FAILED: " + e.getMessage());
                return EXIT_FAILED;
            }
        }
        try (RawDiskCache running = demoCache)
        {
            new ZeroCopyDemo(running, workload, out, shownPath, shownCountersPath).runAll(existed, arguments);
            return EXIT_OK;
        }
        catch (final CheckFailure e)
        {
            out.flush();
            err.println(PROGRAM + ": CHECK FAILED: " + e.getMessage());
            return EXIT_FAILED;
        }
        catch (final RuntimeException e)
        {
            out.flush();
            err.println(PROGRAM + ": failed: " + e);
            e.printStackTrace(err);
            return EXIT_FAILED;
        }
    }

    /**
     * Shows a warm restart: every entry the previous run left comes back, and each is checked byte for byte against
     * its key's pattern; then they are removed and the cache reopened, so this run's counters start from zero.
     */
    private static RawDiskCache warmRestart(final RawDiskCache cache, final CacheConfig config, final String shownPath,
                                            final PrintStream out)
    {
        final long recovered = cache.stats().recoveredEntries();
        long bytes = 0;
        for (final String key : cache.keysInEvictionOrder())
        {
            try (CachedEntry entry = cache.lookupZeroCopy(key))
            {
                if (entry == null)
                {
                    throw new CheckFailure("recovered entry " + key + " missed on its first read");
                }
                final ValuePattern.Checker checker = ValuePattern.checker(key, entry.size());
                for (final ByteBuffer buffer : entry.buffers())
                {
                    checker.update(buffer);
                }
                final String problem = checker.problem();
                if (problem != null)
                {
                    throw new CheckFailure("after the restart: " + problem);
                }
                bytes += entry.size();
            }
            cache.remove(key);
        }
        out.printf(Locale.ROOT, "warm restart: %s held %,d entries from the previous run (%s); every byte checked: " +
            "OK%n", shownPath, recovered, ByteSize.format(bytes));
        cache.close();
        return RawDiskCache.open(config);
    }

    private void runAll(final boolean existed, final DemoArguments arguments)
    {
        final Superblock superblock = cache.superblock();
        out.println("rawcache zero-copy demo");
        out.printf(Locale.ROOT, "  cache file     %s: %s in %,d blocks of %s (%s)%n", shownPath,
            ByteSize.format(superblock.fileLength()), superblock.blockCount(), ByteSize.format(superblock.blockSize()),
            existed ? "reopened, cleared" : "new");
        out.printf("  counters file  %s%n", shownCountersPath);
        out.printf("  read paths     values under %s by positional read; from %s on %s%n",
            ByteSize.format(mmapThreshold), ByteSize.format(mmapThreshold),
            mapped ? "from the mapped file (zero-copy)" : "also by positional read (the file could not be mapped)");
        out.println();

        store();
        verify();
        out.println();
        time();
        out.println();
        transfer();
        out.println();
        checkStats(superblock);
        out.println();

        out.printf("All checks passed. The cache file %s and its counters file %s are kept:%n", shownPath,
            shownCountersPath);
        final String statPath = arguments.cacheFile().equals(DEFAULT_CACHE_FILE) ? shownPath :
            arguments.cacheFile().toAbsolutePath().toString();
        out.printf("  ./rawcache stat %s   shows the counters from another process (--watch 1000 to follow a " +
            "running cache)%n", statPath);
        out.printf("  rm %s %s   starts afresh%n", shownPath, shownCountersPath);
        out.flush();
    }

    private void store()
    {
        final long start = System.nanoTime();
        final ByteBuffer small = ByteBuffer.allocate(workload.smallSize());
        for (final String key : smallKeys)
        {
            ValuePattern.fill(key, small);
            cache.store(key, small);
        }
        for (int i = 0; i < workload.largeCount(); i++)
        {
            cache.store(largeKeys[i], ValuePattern.valueOf(largeKeys[i], workload.largeSize()));
        }
        cache.store(hugeKey, ValuePattern.valueOf(hugeKey, workload.hugeSize()));
        final long nanos = System.nanoTime() - start;
        out.printf(Locale.ROOT, "stored %s (%s of values) in %.0f ms%n", workload.describe(),
            ByteSize.format(workload.valueBytes()), nanos / 1e6);
    }

    private void verify()
    {
        for (final String key : smallKeys)
        {
            verifyCopy(key, workload.smallSize());
            verifyZeroCopy(key, workload.smallSize(), false);
        }
        int minBuffers = Integer.MAX_VALUE;
        int maxBuffers = 0;
        for (int i = 0; i < largeKeys.length; i++)
        {
            final int size = i < workload.largeCount() ? workload.largeSize() : workload.hugeSize();
            verifyCopy(largeKeys[i], size);
            final int buffers = verifyZeroCopy(largeKeys[i], size, mapped);
            minBuffers = Math.min(minBuffers, buffers);
            maxBuffers = Math.max(maxBuffers, buffers);
        }
        out.printf(Locale.ROOT, "checked every byte of all %,d values, each read both ways: OK%n",
            smallKeys.length + largeKeys.length);
        out.println("  lookup()          copies the value onto the heap");
        out.printf("  lookupZeroCopy()  small values: a positional-read copy (below the %s threshold)%n",
            ByteSize.format(mmapThreshold));
        out.printf("                    large values: %s%n", mapped ?
            "read-only views of the mapped file, " + (minBuffers == maxBuffers ? Integer.toString(minBuffers) :
            minBuffers + " to " + maxBuffers) + (maxBuffers == 1 ? " buffer" : " buffers") +
            " each (one per extent)" :
            "a positional-read copy (no mapping)");
        if (mapped)
        {
            checkViewDiesOnClose();
            out.println("  a view's buffer kept past close(): its own bytes until the grace period ends, then " +
                "IllegalStateException: OK");
        }
    }

    private void verifyCopy(final String key, final int size)
    {
        final ByteBuffer value = cache.lookup(key);
        expectedHits++;
        check(value != null, "lookup(%s) missed", key);
        check(value.remaining() == size, "lookup(%s) returned %d bytes, stored %d", key, value.remaining(), size);
        final String problem = ValuePattern.checker(key, size).update(value).problem();
        check(problem == null, "lookup(): %s", problem);
    }

    private int verifyZeroCopy(final String key, final int size, final boolean expectMapped)
    {
        try (CachedEntry entry = cache.lookupZeroCopy(key))
        {
            expectedHits++;
            countZeroCopyRead(size);
            check(entry != null, "lookupZeroCopy(%s) missed", key);
            check(entry.size() == size, "lookupZeroCopy(%s) has size %d, stored %d", key, entry.size(), size);
            check(entry.isMapped() == expectMapped, "lookupZeroCopy(%s) of %d bytes is %s; expected %s", key, size,
                entry.isMapped() ? "mapped" : "a copy", expectMapped ? "mapped" : "a copy");
            final ByteBuffer[] buffers = entry.buffers();
            final ValuePattern.Checker checker = ValuePattern.checker(key, size);
            for (final ByteBuffer buffer : buffers)
            {
                checker.update(buffer);
            }
            final String problem = checker.problem();
            check(problem == null, "lookupZeroCopy(): %s", problem);
            return buffers.length;
        }
    }

    private void checkViewDiesOnClose()
    {
        final ByteBuffer kept;
        final CachedEntry closed;
        try (CachedEntry entry = cache.lookupZeroCopy(hugeKey))
        {
            expectedHits++;
            countZeroCopyRead(workload.hugeSize());
            check(entry != null && entry.isMapped(), "lookupZeroCopy(%s) did not return a mapped entry", hugeKey);
            kept = entry.buffers()[0];
            closed = entry;
        }
        check(throwsIllegalState(closed::buffers), "buffers() of a closed entry did not throw");
        // Until the grace period ends the kept buffer may still show the entry's own bytes, never another entry's.
        try
        {
            final String problem = ValuePattern.checker(hugeKey, workload.hugeSize()).update(kept).problem();
            check(problem == null || problem.contains("ended after"), "a buffer kept past close(): %s", problem);
        }
        catch (final IllegalStateException alreadyInvalid)
        {
            // the grace period had already ended
        }
        cache.reclaimClosedViews();
        check(throwsIllegalState(() -> kept.get(0)), "a buffer kept past close() could still be read after " +
            "reclaimClosedViews()");
    }

    private static boolean throwsIllegalState(final Runnable access)
    {
        try
        {
            access.run();
            return false;
        }
        catch (final IllegalStateException expected)
        {
            return true;
        }
    }

    private void countZeroCopyRead(final long size)
    {
        if (size < mmapThreshold)
        {
            smallZeroCopyReads++;
        }
        else
        {
            largeZeroCopyReads++;
            largeZeroCopyBytes += size;
        }
    }

    private void time()
    {
        out.printf("Read timing: a demo timing, not a benchmark (best of %d rounds after a %d ms warm-up; each read " +
            "CRC32Cs%n", TIMED_ROUNDS, TimeUnit.NANOSECONDS.toMillis(WARMUP_NANOS));
        out.println("every byte it gets, as a careful sender would). For JMH numbers run ./rawcache bench");
        final String smallGroup = workload.smallCount() + " x " + ByteSize.format(workload.smallSize());
        final String largeGroup = workload.largeCount() + " x " + ByteSize.format(workload.largeSize()) + " + " +
            ByteSize.format(workload.hugeSize());
        out.printf("  %-22s %-34s %12s %10s%n", "values", "read with", "reads/s", "MB/s");
        timeRow(smallGroup, "lookup()  heap copy", smallKeys, workload.smallCount() * (long)workload.smallSize(),
            this::readCopy);
        timeRow(smallGroup, "lookupZeroCopy()  positional read", smallKeys,
            workload.smallCount() * (long)workload.smallSize(), this::readZeroCopy);
        final double copy = timeRow(largeGroup, "lookup()  heap copy", largeKeys, workload.largeBytes(),
            this::readCopy);
        final double zeroCopy = timeRow(largeGroup, "lookupZeroCopy()  " + (mapped ? "mapped view" : "positional"),
            largeKeys, workload.largeBytes(), this::readZeroCopy);
        out.printf(Locale.ROOT, "  large values: lookupZeroCopy() delivered %.1fx the bytes per second of lookup()%n",
            zeroCopy / copy);
    }

    private double timeRow(final String group, final String way, final String[] keys, final long bytesPerRound,
                           final KeyReader reader)
    {
        final long warmupEnd = System.nanoTime() + WARMUP_NANOS;
        int warmups = 0;
        while (warmups < MIN_WARMUP_ROUNDS || System.nanoTime() < warmupEnd)
        {
            readAll(keys, reader);
            warmups++;
        }
        final long[] rounds = new long[TIMED_ROUNDS];
        for (int round = 0; round < TIMED_ROUNDS; round++)
        {
            rounds[round] = readAll(keys, reader);
        }
        Arrays.sort(rounds);
        final double seconds = Math.max(1, rounds[0]) / 1e9;
        final double bytesPerSecond = bytesPerRound / seconds;
        out.printf(Locale.ROOT, "  %-22s %-34s %,12.0f %,10.0f%n", group, way, keys.length / seconds,
            bytesPerSecond / 1e6);
        return bytesPerSecond;
    }

    private static long readAll(final String[] keys, final KeyReader reader)
    {
        final long start = System.nanoTime();
        for (final String key : keys)
        {
            reader.read(key);
        }
        return System.nanoTime() - start;
    }

    private void readCopy(final String key)
    {
        final ByteBuffer value = cache.lookup(key);
        expectedHits++;
        check(value != null, "lookup(%s) missed", key);
        sink += checksum(value);
    }

    private void readZeroCopy(final String key)
    {
        try (CachedEntry entry = cache.lookupZeroCopy(key))
        {
            expectedHits++;
            check(entry != null, "lookupZeroCopy(%s) missed", key);
            countZeroCopyRead(entry.size());
            long sum = 0;
            for (final ByteBuffer buffer : entry.buffers())
            {
                sum += checksum(buffer);
            }
            sink += sum;
        }
    }

    private static long checksum(final ByteBuffer buffer)
    {
        final CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate());
        return crc.getValue();
    }

    private void transfer()
    {
        final long size = workload.hugeSize();
        try (LoopbackReceiver receiver = LoopbackReceiver.start(hugeKey, size))
        {
            final long start = System.nanoTime();
            final long sent;
            try (SocketChannel socket = SocketChannel.open(receiver.address()))
            {
                sent = cache.transferTo(hugeKey, socket);
                expectedHits++;
            }
            final ValuePattern.Checker received = receiver.await(RECEIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            final long nanos = System.nanoTime() - start;
            check(sent == size, "transferTo(%s) sent %d bytes; the value has %d", hugeKey, sent, size);
            final String problem = received.problem();
            check(problem == null, "the socket received a bad value: %s", problem);
            out.printf(Locale.ROOT, "transferTo() sent %s (%s) to a socket on 127.0.0.1:%d by sendfile:%n", hugeKey,
                ByteSize.format(size), receiver.address().getPort());
            out.printf(Locale.ROOT, "  %,d bytes in %.1f ms (%,.0f MB/s); the receiver checked every byte: OK%n",
                received.offset(), nanos / 1e6, received.offset() / (nanos / 1e9) / 1e6);
        }
        catch (final IOException e)
        {
            throw new CheckFailure("the loopback transfer failed: " + e, e);
        }
        catch (final TimeoutException e)
        {
            throw new CheckFailure("the receiver got no end of stream within " + RECEIVE_TIMEOUT_SECONDS + " s", e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new CheckFailure("interrupted while waiting for the receiver", e);
        }
    }

    private void checkStats(final Superblock superblock)
    {
        final CacheStats stats = cache.stats();
        final ZeroCopyStats zeroCopy = cache.zeroCopyStats();
        printRecord("CacheStats", stats);
        printRecord("ZeroCopyStats", zeroCopy);

        final long entries = smallKeys.length + largeKeys.length;
        check(stats.entries() == entries, "stats: %d entries, stored %d", stats.entries(), entries);
        check(stats.stores() == entries, "stats: %d stores, made %d", stats.stores(), entries);
        check(stats.storeBytes() == workload.valueBytes(), "stats: %d store bytes, stored %d", stats.storeBytes(),
            workload.valueBytes());
        check(stats.hits() == expectedHits, "stats: %d hits, the demo made %d reads that all hit", stats.hits(),
            expectedHits);
        check(stats.misses() == 0, "stats: %d misses, expected none", stats.misses());
        check(stats.storeFailures() == 0 && stats.evictions() == 0 && stats.expirations() == 0 &&
            stats.removals() == 0, "stats: store failures, evictions, expirations or removals in %s", stats);
        check(stats.checksumFailures() == 0 && stats.ioErrors() == 0, "stats: checksum failures or I/O errors in %s",
            stats);
        check(stats.usedBlocks() + stats.freeBlocks() == superblock.dataBlockCount(),
            "stats: used blocks %d + free blocks %d != data blocks %d", stats.usedBlocks(), stats.freeBlocks(),
            superblock.dataBlockCount());

        final long expectedMapped = mapped ? largeZeroCopyReads : 0;
        final long expectedSkipped = smallZeroCopyReads + (mapped ? 0 : largeZeroCopyReads);
        check(zeroCopy.mmapReads() == expectedMapped, "zero-copy stats: %d mmap reads, expected %d",
            zeroCopy.mmapReads(), expectedMapped);
        check(zeroCopy.mmapBytes() == (mapped ? largeZeroCopyBytes : 0), "zero-copy stats: %d mmap bytes, " +
            "expected %d", zeroCopy.mmapBytes(), mapped ? largeZeroCopyBytes : 0);
        check(zeroCopy.mmapSkipped() == expectedSkipped, "zero-copy stats: %d mmap skipped, expected %d",
            zeroCopy.mmapSkipped(), expectedSkipped);
        check(zeroCopy.sendfileTransfers() == 1 && zeroCopy.sendfileBytes() == workload.hugeSize(),
            "zero-copy stats: %d transfers of %d bytes, expected 1 of %d", zeroCopy.sendfileTransfers(),
            zeroCopy.sendfileBytes(), workload.hugeSize());
        out.println("  the counters agree with every store, read and transfer the demo made: OK");
    }

    private void printRecord(final String name, final Record record)
    {
        final int width = 116;
        final String indent = " ".repeat(16);
        final StringBuilder line = new StringBuilder(String.format("%-16s", name));
        final List<String> fields = new ArrayList<>();
        for (final RecordComponent component : record.getClass().getRecordComponents())
        {
            try
            {
                fields.add(String.format(Locale.ROOT, "%s=%,d", component.getName(),
                    (Long)component.getAccessor().invoke(record)));
            }
            catch (final ReflectiveOperationException e)
            {
                throw new IllegalStateException("cannot read " + component + " of " + name, e);
            }
        }
        boolean first = true;
        for (final String field : fields)
        {
            if (!first && line.length() + 2 + field.length() > width)
            {
                out.println(line.toString().stripTrailing());
                line.setLength(0);
                line.append(indent);
                first = true;
            }
            line.append(first ? "" : "  ").append(field);
            first = false;
        }
        out.println(line);
    }

    private static void explainOpenFailure(final CacheIoException e, final DemoArguments arguments,
                                           final String shownPath, final String shownCountersPath,
                                           final PrintStream err)
    {
        final String remove = "rm " + shownPath + " " + shownCountersPath;
        switch (e.reason())
        {
            case FORMAT ->
            {
                Superblock existing = null;
                try
                {
                    existing = CacheFile.readSuperblock(arguments.cacheFile());
                }
                catch (final CacheIoException notReadable)
                {
                    // not a rawcache file at all, or a damaged one: said below
                }
                if (existing != null)
                {
                    err.printf(Locale.ROOT, "%s: %s already exists with another geometry: it holds %s (%,d blocks " +
                        "of %s) but this run asks for %s.%n", PROGRAM, shownPath,
                        ByteSize.format(existing.fileLength()), existing.blockCount(),
                        ByteSize.format(existing.blockSize()), ByteSize.format(arguments.capacityBytes()));
                    err.printf("  The demo does not reformat files. Either reuse it with its own capacity:%n" +
                        "    ./rawcache demo%s --capacity %s%n", arguments.cacheFileGiven() ? " " + shownPath : "",
                        ByteSize.toArgument(existing.fileLength()));
                    err.printf("  or remove it (the demo keeps nothing in it between runs):%n    %s%n", remove);
                }
                else
                {
                    err.printf("%s: %s exists but is not a usable rawcache file:%n  %s%n", PROGRAM, shownPath,
                        e.getMessage());
                    err.printf("  Remove it if it is a leftover demo file, or pass another path:%n    %s%n", remove);
                }
            }
            case LOCKED -> err.printf("%s: %s is in use by another cache (is another demo running?):%n  %s%n",
                PROGRAM, shownPath, e.getMessage());
            case NO_SPACE -> err.printf("%s: no room for %s: %s%n  Try a smaller --capacity.%n", PROGRAM, shownPath,
                e.getMessage());
            default -> err.printf("%s: cannot open %s: %s%n", PROGRAM, shownPath, e.getMessage());
        }
    }

    private static String shown(final Path path, final boolean absolute)
    {
        final Path workingDirectory = Path.of("").toAbsolutePath();
        return absolute || !path.startsWith(workingDirectory) ? path.toString() :
            workingDirectory.relativize(path).toString();
    }

    private static void check(final boolean condition, final String template, final Object... args)
    {
        if (!condition)
        {
            throw new CheckFailure(String.format(Locale.ROOT, template, args));
        }
    }

    /**
     * Reads one key and consumes every byte of its value.
     */
    @FunctionalInterface
    private interface KeyReader
    {
        void read(String key);
    }

    /**
     * A demo check that failed: the message says what was expected and what was found.
     */
    private static final class CheckFailure extends RuntimeException
    {
        CheckFailure(final String message)
        {
            super(message);
        }

        CheckFailure(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }
}
