package dev.rawcache.bench.compare;

import dev.rawcache.bench.LoopbackSink;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * What this machine can do at best, measured in the same run as the engines, so that every rawcache figure can be
 * read as a fraction of what the hardware and kernel allow:
 * <ul>
 * <li><b>memcpy</b>: {@code MemorySegment.copy} of 64 MiB between two native buffers, one thread per pair;</li>
 * <li><b>sequential pread</b> of a page-cached file in 1 MiB reads into a direct buffer;</li>
 * and at each value size, over a page-cached file as large as the engines' data set:
 * <li><b>mmap copy</b>: copy a value-sized block at a random aligned offset out of a read-only mapping of the file
 * into a direct buffer (the floor under rawcache's mapped path);</li>
 * <li><b>pread</b>: one {@code pread} of a value-sized block at a random aligned offset into a direct buffer (the
 * floor under its positional path, and under any engine that reads files);</li>
 * <li><b>pwrite</b>: {@code pwrite} of value-sized blocks at consecutive offsets over the cached file (the floor under
 * a store: a copy into the page cache, without allocating blocks);</li>
 * <li><b>transferTo</b>: {@code FileChannel.transferTo} of a value-sized block at a random offset to a loopback TCP
 * socket that another thread drains ({@code sendfile}; not used by the engines' lookups, shown for context).</li>
 * </ul>
 * The random offsets are drawn uniformly, like the engines' lookup keys. Each measurement runs for a fixed time after
 * a short untimed warm-up. The harness measures everything twice, before and after the engines, and keeps the better
 * figure: a limit is the best the machine did, and the other work sharing it comes and goes.
 * <p>
 * Not thread-safe: one measurement at a time (each starts and joins its own threads).
 */
final class Limits
{
    /** Copy between native buffers. */
    static final String MEMCPY = "memcpy";
    /** Sequential 1 MiB preads. */
    static final String SEQUENTIAL_PREAD = "sequential pread";
    /** Random block copies out of a mapping. */
    static final String MMAP_COPY = "mmap copy";
    /** Random block preads. */
    static final String PREAD = "pread";
    /** Consecutive block pwrites. */
    static final String PWRITE = "pwrite";
    /** Random blocks by sendfile to loopback TCP. */
    static final String TRANSFER_TO = "transferTo";

    private static final int MEMCPY_BYTES = 64 << 20;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static final int SEQUENTIAL_CHUNK = 1 << 20;

    /**
     * One limit figure.
     *
     * @param name           which limit (one of the constants).
     * @param valueSize      the block size, or 0 for the size-independent ones.
     * @param threads        threads.
     * @param opsPerSecond   blocks per second (copies of 64 MiB for memcpy).
     * @param bytesPerSecond bytes per second.
     * @param cores          CPU time the threads got divided by wall time.
     */
    record Result(String name, int valueSize, int threads, double opsPerSecond, double bytesPerSecond, double cores)
    {
    }

    private final double seconds;
    private final Progress progress;
    private final List<Result> results = new ArrayList<>();
    private Path file;
    private long fileBytes;
    /** Where the page-touching loop's sum goes, so that the JIT keeps the loop. */
    private static volatile long sink;

    /**
     * Prepares the measurements.
     *
     * @param seconds  length of each.
     * @param progress where progress lines go.
     */
    Limits(final double seconds, final Progress progress)
    {
        this.seconds = seconds;
        this.progress = progress;
    }

    /**
     * Everything measured so far.
     *
     * @return the results, in order.
     */
    List<Result> results()
    {
        return List.copyOf(results);
    }

    /**
     * Finds a result.
     *
     * @param name      the limit.
     * @param valueSize the size, 0 for size-independent limits.
     * @param threads   threads.
     * @return the result or null.
     */
    Result find(final String name, final int valueSize, final int threads)
    {
        for (final Result r : results)
        {
            if (r.name().equals(name) && r.valueSize() == valueSize && r.threads() == threads)
            {
                return r;
            }
        }
        return null;
    }

    /**
     * Writes the page-cached file the file limits read, of random bytes, and syncs it.
     *
     * @param directory where to put it.
     * @param bytes     its size.
     * @throws IOException          on failure.
     * @throws InterruptedException when interrupted during sync.
     */
    void createFile(final Path directory, final long bytes) throws IOException, InterruptedException
    {
        file = directory.resolve("limits.data");
        fileBytes = bytes / SEQUENTIAL_CHUNK * SEQUENTIAL_CHUNK;
        final ByteBuffer chunk = randomBuffer(SEQUENTIAL_CHUNK, 7);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            for (long at = 0; at < fileBytes; at += SEQUENTIAL_CHUNK)
            {
                chunk.clear();
                while (chunk.hasRemaining())
                {
                    channel.write(chunk, at + chunk.position());
                }
            }
            channel.force(false);
        }
        Trial.Sync.run();
    }

    /**
     * Deletes the file.
     *
     * @throws IOException on failure.
     */
    void deleteFile() throws IOException
    {
        if (file != null)
        {
            Files.deleteIfExists(file);
        }
    }

    /**
     * Measures memcpy (1 and 2 threads) and sequential pread.
     *
     * @throws Exception on failure.
     */
    void measureGlobal() throws Exception
    {
        for (final int threads : new int[]{1, 2})
        {
            final double[] ops = timed(threads, () ->
            {
                final Arena arena = Arena.ofAuto();
                final MemorySegment from = arena.allocate(MEMCPY_BYTES, 4096).fill((byte)1);
                final MemorySegment to = arena.allocate(MEMCPY_BYTES, 4096).fill((byte)2);
                return () -> MemorySegment.copy(from, 0, to, 0, MEMCPY_BYTES);
            });
            add(new Result(MEMCPY, 0, threads, ops[0], ops[0] * MEMCPY_BYTES, ops[1]));
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long chunks = fileBytes / SEQUENTIAL_CHUNK;
            final double[] ops = timed(1, () ->
            {
                final ByteBuffer buffer = ByteBuffer.allocateDirect(SEQUENTIAL_CHUNK);
                final long[] next = {0};
                return () ->
                {
                    readFully(channel, buffer, next[0] * SEQUENTIAL_CHUNK);
                    next[0] = (next[0] + 1) % chunks;
                };
            });
            add(new Result(SEQUENTIAL_PREAD, 0, 1, ops[0], ops[0] * SEQUENTIAL_CHUNK, ops[1]));
        }
    }

    /**
     * Measures the block limits at one value size.
     *
     * @param size the value size.
     * @throws Exception on failure.
     */
    void measureSize(final int size) throws Exception
    {
        final long blocks = fileBytes / size;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared())
        {
            final MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, fileBytes, arena);
            // Map every page first: the engines' mappings are warm by the time they are measured, so the limit
            // must not include first-touch page faults.
            long sum = 0;
            for (long at = 0; at < fileBytes; at += 4096)
            {
                sum += mapping.get(ValueLayout.JAVA_BYTE, at);
            }
            sink = sum;
            for (final int threads : new int[]{1, 2})
            {
                final int t = threads;
                final double[] ops = timed(threads, () ->
                {
                    final MemorySegment to = MemorySegment.ofBuffer(ByteBuffer.allocateDirect(size));
                    final SplittableRandom random = new SplittableRandom(size * 31L + t);
                    return () -> MemorySegment.copy(mapping, random.nextLong(blocks) * size, to, 0, size);
                });
                add(new Result(MMAP_COPY, size, threads, ops[0], ops[0] * size, ops[1]));
            }
            for (final int threads : new int[]{1, 2})
            {
                final int t = threads;
                final double[] ops = timed(threads, () ->
                {
                    final ByteBuffer buffer = ByteBuffer.allocateDirect(size);
                    final SplittableRandom random = new SplittableRandom(size * 37L + t);
                    return () -> readFully(channel, buffer, random.nextLong(blocks) * size);
                });
                add(new Result(PREAD, size, threads, ops[0], ops[0] * size, ops[1]));
            }
            final double[] writes = timed(1, () ->
            {
                final ByteBuffer buffer = randomBuffer(size, size);
                final long[] next = {0};
                return () ->
                {
                    buffer.clear();
                    final long at = next[0] * size;
                    while (buffer.hasRemaining())
                    {
                        channel.write(buffer, at + buffer.position());
                    }
                    next[0] = (next[0] + 1) % blocks;
                };
            });
            add(new Result(PWRITE, size, 1, writes[0], writes[0] * size, writes[1]));
            try (LoopbackSink sink = LoopbackSink.open())
            {
                final double[] transfers = timed(1, () ->
                {
                    final SplittableRandom random = new SplittableRandom(size * 41L);
                    return () ->
                    {
                        final long at = random.nextLong(blocks) * size;
                        long sent = 0;
                        while (sent < size)
                        {
                            sent += channel.transferTo(at + sent, size - sent, sink.channel());
                        }
                        sink.countSent(sent);
                    };
                });
                add(new Result(TRANSFER_TO, size, 1, transfers[0], transfers[0] * size, transfers[1]));
            }
        }
        Trial.Sync.run();
    }

    /** Adds a result, or keeps the better of it and an earlier one of the same limit. */
    private void add(final Result result)
    {
        final Result earlier = find(result.name(), result.valueSize(), result.threads());
        if (earlier == null)
        {
            results.add(result);
        }
        else if (result.opsPerSecond() > earlier.opsPerSecond())
        {
            results.set(results.indexOf(earlier), result);
        }
        progress.line(String.format("%-7s limit  %-16s %d thread%s: %s ops/s, %s MB/s, %s cores%s",
            result.valueSize() == 0 ? "" : Units.size(result.valueSize()), result.name(), result.threads(),
            result.threads() == 1 ? " " : "s", Units.ops(result.opsPerSecond()),
            Units.megabytes(result.bytesPerSecond()), Units.cores(result.cores()),
            earlier == null ? "" : " (earlier " + Units.ops(earlier.opsPerSecond()) + " ops/s)"));
    }

    @FunctionalInterface
    private interface Op
    {
        void run() throws Exception;
    }

    @FunctionalInterface
    private interface OpFactory
    {
        Op create() throws Exception;
    }

    /**
     * Runs each thread's op (made on that thread) for a warm-up, then for the timed length.
     *
     * @return {ops/s, cores used}.
     */
    private double[] timed(final int threads, final OpFactory factory) throws Exception
    {
        final CountDownLatch ready = new CountDownLatch(threads);
        final CountDownLatch go = new CountDownLatch(1);
        final long[] window = new long[2];
        final long[] counts = new long[threads];
        final long[] ends = new long[threads];
        final long[] cpu = new long[threads];
        final Exception[] failures = new Exception[threads];
        final Thread[] workers = new Thread[threads];
        final long warmNanos = (long)(seconds * 0.2e9);
        for (int t = 0; t < threads; t++)
        {
            final int thread = t;
            workers[t] = Thread.ofPlatform().name("compare-limit-" + t).start(() ->
            {
                try
                {
                    final Op op = factory.create();
                    final long warmEnd = System.nanoTime() + warmNanos;
                    while (System.nanoTime() < warmEnd)
                    {
                        op.run();
                    }
                    ready.countDown();
                    go.await();
                    final long deadline = window[1];
                    final long cpuStart = CPU.getCurrentThreadCpuTime();
                    long n = 0;
                    long now;
                    do
                    {
                        op.run();
                        n++;
                        now = System.nanoTime();
                    }
                    while (now < deadline);
                    counts[thread] = n;
                    ends[thread] = now;
                    cpu[thread] = CPU.getCurrentThreadCpuTime() - cpuStart;
                }
                catch (final Exception e)
                {
                    failures[thread] = e;
                    ready.countDown();
                }
            });
        }
        ready.await();
        window[0] = System.nanoTime();
        window[1] = window[0] + (long)(seconds * 1e9);
        go.countDown();
        long total = 0;
        long end = window[0];
        long cpuNanos = 0;
        for (int t = 0; t < threads; t++)
        {
            workers[t].join();
            if (failures[t] != null)
            {
                throw failures[t];
            }
            total += counts[t];
            end = Math.max(end, ends[t]);
            cpuNanos += cpu[t];
        }
        final double seconds = (end - window[0]) / 1e9;
        return new double[]{total / seconds, cpuNanos / 1e9 / seconds};
    }

    private static void readFully(final FileChannel channel, final ByteBuffer buffer, final long at)
        throws IOException
    {
        buffer.clear();
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer, at + buffer.position()) < 0)
            {
                throw new IOException("limit file ends at " + (at + buffer.position()));
            }
        }
    }

    private static ByteBuffer randomBuffer(final int size, final long seed)
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        final SplittableRandom random = new SplittableRandom(seed);
        while (buffer.remaining() >= Long.BYTES)
        {
            buffer.putLong(random.nextLong());
        }
        return buffer.clear();
    }
}
