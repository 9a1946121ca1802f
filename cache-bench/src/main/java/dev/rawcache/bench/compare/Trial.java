package dev.rawcache.bench.compare;

import dev.rawcache.bench.BenchSupport;
import dev.rawcache.bench.LoopbackSink;
import dev.rawcache.bench.ScrambledZipf;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one engine through the phases of one trial at one value size, on a fresh directory:
 * <ol>
 * <li><b>open</b> (untimed);</li>
 * <li><b>store</b> every key once, one thread, each operation timed (capped: a store phase that runs past its cap is
 * cut short, and the lookups then use the keys stored);</li>
 * <li><b>finish</b>: {@link Engine#finishStores()}, timed apart; then {@code sync} (untimed), so that write-back of
 * the store phase does not run during lookups;</li>
 * <li><b>verify and warm</b>, untimed: one lookup of every key in a random order, checked byte for byte, which also
 * maps every page an engine reads through a mapping and fills its own caches; then a further warm-up of random
 * lookups by one thread (JIT);</li>
 * <li><b>lookups</b> of uniformly random keys, one thread, then two threads, for a fixed time;</li>
 * <li><b>mixed</b>: two threads, keys from a scrambled Zipf distribution (exponent 0.99), 80% lookups and 20%
 * stores of the key's same value, for a fixed time.</li>
 * </ol>
 * Lookups, sends and the mixed phase pass a new {@code String} equal to the key ({@link DataSet#freshKey}), as a
 * proxy builds its key per request.
 * Every timed lookup checks the value's length and its first and last eight bytes; every 1,024th checks every byte.
 * A wrong value fails the engine's row. Each operation's latency goes into an HdrHistogram (3 significant digits).
 * <p>
 * Not thread-safe: one trial at a time (it starts and joins its own threads).
 */
final class Trial
{
    private static final int FULL_CHECK_EVERY = 1024;
    private static final int MIXED_STORE_PERCENT = 20;
    private static final int ZIPF_DRAWS = 1 << 20;
    /** How long past its end a phase may run before its threads are declared hung (and abandoned). */
    private static final long HANG_SECONDS = 30;
    private static final long CLOSE_TIMEOUT_SECONDS = 60;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private final Settings settings;
    private final DataSet data;
    private final Progress progress;

    /**
     * Prepares trials at one value size.
     *
     * @param settings the run's settings (phase lengths, caps, seed).
     * @param data     the data set.
     * @param progress where progress lines go.
     */
    Trial(final Settings settings, final DataSet data, final Progress progress)
    {
        this.settings = settings;
        this.data = data;
        this.progress = progress;
    }

    /**
     * Runs every phase on {@code engine}, which must not be open yet, and closes it.
     *
     * @param engine    the engine.
     * @param directory its empty directory.
     * @return what it measured; a failure is reported in the result, never thrown.
     */
    TrialResult run(final Engine engine, final Path directory)
    {
        final String label = String.format("%-7s %-17s", Units.size(data.valueSize()), engine.name());
        final List<String> notes = new ArrayList<>();
        PhaseResult store = PhaseResult.NONE;
        PhaseResult lookup1 = PhaseResult.NONE;
        PhaseResult lookup2 = PhaseResult.NONE;
        PhaseResult mixed = PhaseResult.NONE;
        PhaseResult send = PhaseResult.NONE;
        double finish = Double.NaN;
        int stored = 0;
        String failure = null;
        BackgroundFailures.drain();
        try
        {
            engine.open(directory, data);
            progress.line(label + " opened; storing " + data.count() + " x " + Units.size(data.valueSize()));

            final StoreOutcome outcome = stores(engine);
            store = outcome.result();
            stored = outcome.stored();
            if (stored < data.count())
            {
                notes.add("store phase cut at " + Units.seconds(settings.maxStoreSeconds()) + " s after " + stored +
                    " of " + data.count() + " keys; lookups use those");
            }
            final long finishStart = System.nanoTime();
            engine.finishStores();
            finish = (System.nanoTime() - finishStart) / 1e9;
            final double syncSeconds = Sync.run();
            progress.line(label + " store  " + Units.ops(store.opsPerSecond()) + " ops/s, " +
                Units.megabytes(store.bytesPerSecond()) + " MB/s, p99 " + Units.micros(store.p99()) + " µs; finish " +
                Units.seconds(finish) + " s, sync " + Units.seconds(syncSeconds) + " s");

            final long[] verify = verify(engine, stored);
            if (verify[1] > 0)
            {
                throw new IllegalStateException("verification: " + verify[1] + " of " + stored +
                    " keys returned wrong bytes");
            }
            if (verify[0] > 0)
            {
                notes.add(verify[0] + " of " + stored + " keys missing after the store phase");
            }

            final long readBefore = BenchSupport.storageReadBytes();
            lookups(engine, 1, settings.warmupSeconds(), stored, 0xC0FFEE);
            lookup1 = lookups(engine, 1, settings.phaseSeconds(), stored, 1);
            lookup2 = lookups(engine, 2, settings.phaseSeconds(), stored, 2);
            progress.line(label + " lookup " + Units.ops(lookup1.opsPerSecond()) + " ops/s (1 thread), " +
                Units.ops(lookup2.opsPerSecond()) + " ops/s (2 threads), " +
                Units.megabytes(lookup1.bytesPerSecond()) + " / " + Units.megabytes(lookup2.bytesPerSecond()) +
                " MB/s; p50/p99/p99.9 " + Units.micros(lookup1.p50()) + " / " + Units.micros(lookup1.p99()) + " / " +
                Units.micros(lookup1.p999()) + " µs");
            try
            {
                mixed = mixed(engine, settings.phaseSeconds(), stored);
                progress.line(label + " mixed  " + Units.ops(mixed.opsPerSecond()) + " ops/s (2 threads, 80% " +
                    "lookups), lookup p99 " + Units.micros(mixed.p99()) + " µs");
            }
            catch (final Exception e)
            {
                // The lookup figures stand; the row says why the mixed phase has none.
                notes.add("mixed phase failed: " + describe(e));
                progress.line(label + " mixed  FAILED: " + describe(e));
            }
            if (engine.sends())
            {
                try
                {
                    send = sends(engine, settings.phaseSeconds(), stored);
                    progress.line(label + " send   " + Units.ops(send.opsPerSecond()) + " ops/s, " +
                        Units.megabytes(send.bytesPerSecond()) + " MB/s (sendfile to loopback TCP, 1 thread), p99 " +
                        Units.micros(send.p99()) + " µs");
                }
                catch (final Exception e)
                {
                    notes.add("send phase failed: " + describe(e));
                    progress.line(label + " send   FAILED: " + describe(e));
                }
            }
            final long readFromStorage = BenchSupport.storageReadBytes() - readBefore;
            if (readBefore >= 0 && readFromStorage > 16 << 20)
            {
                notes.add(Units.bytes(readFromStorage) + " read from storage during the lookup phases (not all " +
                    "page-cached)");
            }
            for (final PhaseResult phase : List.of(lookup1, lookup2, mixed, send))
            {
                if (phase.wrong() > 0)
                {
                    throw new IllegalStateException(phase.wrong() + " lookups returned wrong bytes");
                }
            }
            final long misses = lookup1.misses() + lookup2.misses() + mixed.misses();
            if (misses > 0)
            {
                notes.add(misses + " lookups missed (" + lookup1.misses() + " / " + lookup2.misses() + " / " +
                    mixed.misses() + " in the 1-thread / 2-thread / mixed phases)");
            }
        }
        catch (final Throwable t)
        {
            failure = describe(t);
            progress.line(label + " FAILED: " + failure);
        }
        finally
        {
            final String closeFailure = closeWithin(engine, CLOSE_TIMEOUT_SECONDS);
            if (closeFailure != null)
            {
                notes.add(closeFailure);
                progress.line(label + " " + closeFailure);
            }
            for (final String background : BackgroundFailures.drain())
            {
                notes.add(background);
                progress.line(label + " " + background);
            }
        }
        return new TrialResult(engine.name(), engine.settings(), engine.isRawcache(), data.valueSize(), data.count(),
            stored, store, finish, lookup1, lookup2, mixed, send, failure, notes);
    }

    private record StoreOutcome(PhaseResult result, int stored)
    {
    }

    private StoreOutcome stores(final Engine engine) throws Exception
    {
        final Engine.Session session = engine.session();
        final Histogram latencies = new Histogram(3);
        final long cpuStart = CPU.getCurrentThreadCpuTime();
        final long start = System.nanoTime();
        final long cap = start + (long)(settings.maxStoreSeconds() * 1e9);
        final int count = data.count();
        int i = 0;
        long end = start;
        while (i < count)
        {
            final String key = data.key(i);
            final ByteBuffer value = data.value(i);
            final long t0 = System.nanoTime();
            session.store(key, value);
            end = System.nanoTime();
            latencies.recordValue(end - t0);
            i++;
            if ((i & 63) == 0 && end > cap)
            {
                break;
            }
        }
        final double cpu = (CPU.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        return new StoreOutcome(PhaseResult.of(i, (end - start) / 1e9, data.valueSize(), latencies, 0, 0, cpu), i);
    }

    /** Looks every key up once in a random order, byte for byte; returns {misses, wrong}. */
    private long[] verify(final Engine engine, final int present) throws Exception
    {
        final Engine.Session session = engine.session();
        final int[] order = new int[present];
        for (int i = 0; i < present; i++)
        {
            order[i] = i;
        }
        final SplittableRandom random = new SplittableRandom(settings.seed());
        for (int i = present - 1; i > 0; i--)
        {
            final int j = random.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        long misses = 0;
        long wrong = 0;
        for (final int i : order)
        {
            final ByteBuffer value = session.lookup(data.key(i));
            if (value == null)
            {
                misses++;
            }
            else if (!data.fullCheck(i, value))
            {
                wrong++;
            }
        }
        return new long[]{misses, wrong};
    }

    private PhaseResult lookups(final Engine engine, final int threads, final double seconds, final int present,
                                final long seed) throws Exception
    {
        return runThreads(engine, threads, seconds, (session, thread, deadline, counters) ->
        {
            final SplittableRandom random = new SplittableRandom(settings.seed() * 31 + seed * 7 + thread);
            final StringBuilder keys = new StringBuilder();
            long ops = 0;
            while (true)
            {
                final int i = random.nextInt(present);
                final String key = data.freshKey(i, keys);
                final long t0 = System.nanoTime();
                final ByteBuffer value = session.lookup(key);
                final long t1 = System.nanoTime();
                counters.latencies.recordValue(t1 - t0);
                ops++;
                check(i, value, ops, counters);
                if (t1 >= deadline)
                {
                    return ops;
                }
            }
        });
    }

    /**
     * One thread sends uniformly random values whole to a loopback TCP socket that another thread drains, as the
     * {@code transferTo} limit does with the same bytes of a plain file; a send that sends the wrong length counts
     * as wrong.
     */
    private PhaseResult sends(final Engine engine, final double seconds, final int present) throws Exception
    {
        try (LoopbackSink sink = LoopbackSink.open())
        {
            return runThreads(engine, 1, seconds, (session, thread, deadline, counters) ->
            {
                final SplittableRandom random = new SplittableRandom(settings.seed() * 43 + thread);
                final StringBuilder keys = new StringBuilder();
                long ops = 0;
                while (true)
                {
                    final int i = random.nextInt(present);
                    final String key = data.freshKey(i, keys);
                    final long t0 = System.nanoTime();
                    final long sent = session.send(key, sink.channel());
                    final long t1 = System.nanoTime();
                    counters.latencies.recordValue(t1 - t0);
                    ops++;
                    if (sent < 0)
                    {
                        counters.misses++;
                    }
                    else
                    {
                        sink.countSent(sent);
                        if (sent != data.valueSize())
                        {
                            counters.wrong++;
                        }
                    }
                    if (t1 >= deadline)
                    {
                        return ops;
                    }
                }
            });
        }
    }

    private PhaseResult mixed(final Engine engine, final double seconds, final int present) throws Exception
    {
        final int[][] draws = new int[2][];
        for (int t = 0; t < draws.length; t++)
        {
            draws[t] = new ScrambledZipf(present, ScrambledZipf.DEFAULT_EXPONENT, settings.seed() + t)
                .indices(ZIPF_DRAWS);
        }
        return runThreads(engine, 2, seconds, (session, thread, deadline, counters) ->
        {
            final int[] indices = draws[thread];
            final SplittableRandom random = new SplittableRandom(settings.seed() * 17 + thread);
            final StringBuilder keys = new StringBuilder();
            long ops = 0;
            int next = 0;
            while (true)
            {
                final int i = indices[next];
                next = (next + 1) & (ZIPF_DRAWS - 1);
                final String key = data.freshKey(i, keys);
                final long t1;
                if (random.nextInt(100) < MIXED_STORE_PERCENT)
                {
                    final ByteBuffer value = data.value(i);
                    session.store(key, value);
                    t1 = System.nanoTime();
                    ops++;
                }
                else
                {
                    final long t0 = System.nanoTime();
                    final ByteBuffer value = session.lookup(key);
                    t1 = System.nanoTime();
                    counters.latencies.recordValue(t1 - t0);
                    ops++;
                    check(i, value, ops, counters);
                }
                if (t1 >= deadline)
                {
                    return ops;
                }
            }
        });
    }

    private void check(final int i, final ByteBuffer value, final long ops, final Counters counters)
    {
        if (value == null)
        {
            counters.misses++;
        }
        else if (!data.quickCheck(i, value) || (ops % FULL_CHECK_EVERY == 0 && !data.fullCheck(i, value)))
        {
            counters.wrong++;
        }
    }

    /** Per-thread tallies, merged after the phase. */
    private static final class Counters
    {
        final Histogram latencies = new Histogram(3);
        long misses;
        long wrong;
    }

    @FunctionalInterface
    private interface Body
    {
        long run(Engine.Session session, int thread, long deadline, Counters counters) throws Exception;
    }

    private PhaseResult runThreads(final Engine engine, final int threads, final double seconds, final Body body)
        throws Exception
    {
        final CountDownLatch ready = new CountDownLatch(threads);
        final CountDownLatch go = new CountDownLatch(1);
        final long[] startAndDeadline = new long[2];
        final long[] ops = new long[threads];
        final long[] ends = new long[threads];
        final long[] cpu = new long[threads];
        final Counters[] counters = new Counters[threads];
        final Throwable[] failures = new Throwable[threads];
        final Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            final int thread = t;
            counters[t] = new Counters();
            // Daemon: a thread stuck inside an engine must not keep the JVM alive after the run.
            workers[t] = Thread.ofPlatform().daemon().name("compare-" + engine.name() + "-" + t).start(() ->
            {
                try
                {
                    final Engine.Session session = engine.session();
                    ready.countDown();
                    go.await();
                    final long cpuStart = CPU.getCurrentThreadCpuTime();
                    ops[thread] = body.run(session, thread, startAndDeadline[1], counters[thread]);
                    ends[thread] = System.nanoTime();
                    cpu[thread] = CPU.getCurrentThreadCpuTime() - cpuStart;
                }
                catch (final Throwable e)
                {
                    failures[thread] = e;
                    ready.countDown();
                }
            });
        }
        ready.await();
        startAndDeadline[0] = System.nanoTime();
        startAndDeadline[1] = startAndDeadline[0] + (long)(seconds * 1e9);
        go.countDown();
        for (final Thread worker : workers)
        {
            if (!worker.join(java.time.Duration.ofSeconds((long)seconds + HANG_SECONDS)))
            {
                throw new IllegalStateException("hung: a thread was still in the engine " + HANG_SECONDS +
                    " s after the phase's end, " + whereStuck(worker));
            }
        }
        final Histogram latencies = new Histogram(3);
        long total = 0;
        long end = startAndDeadline[0];
        long misses = 0;
        long wrong = 0;
        long cpuNanos = 0;
        for (int t = 0; t < threads; t++)
        {
            if (failures[t] != null)
            {
                throw failures[t] instanceof Exception e ? e : new IllegalStateException(failures[t]);
            }
            total += ops[t];
            end = Math.max(end, ends[t]);
            latencies.add(counters[t].latencies);
            misses += counters[t].misses;
            wrong += counters[t].wrong;
            cpuNanos += cpu[t];
        }
        return PhaseResult.of(total, (end - startAndDeadline[0]) / 1e9, data.valueSize(), latencies, misses, wrong,
            cpuNanos / 1e9);
    }

    /** Where a stuck thread is: its first frames outside the JDK and the harness. */
    private static String whereStuck(final Thread thread)
    {
        final StringBuilder where = new StringBuilder("blocked in ");
        int shown = 0;
        for (final StackTraceElement frame : thread.getStackTrace())
        {
            final String c = frame.getClassName();
            if (c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.") ||
                c.startsWith(Trial.class.getPackageName()))
            {
                continue;
            }
            where.append(shown == 0 ? "" : " <- ").append(c.substring(c.lastIndexOf('.') + 1)).append('.')
                .append(frame.getMethodName());
            if (++shown == 3)
            {
                break;
            }
        }
        return shown == 0 ? "the JDK" : where.toString();
    }

    /** Closes an engine on a daemon thread, waiting at most {@code seconds}; returns a note on failure or null. */
    private static String closeWithin(final Engine engine, final long seconds)
    {
        final Throwable[] failure = new Throwable[1];
        final Thread closer = Thread.ofPlatform().daemon().name("compare-close-" + engine.name()).start(() ->
        {
            try
            {
                engine.close();
            }
            catch (final Throwable t)
            {
                failure[0] = t;
            }
        });
        try
        {
            if (!closer.join(java.time.Duration.ofSeconds(seconds)))
            {
                return "close hung for " + seconds + " s, " + whereStuck(closer) + "; abandoned";
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return "interrupted while closing";
        }
        return failure[0] == null ? null : "close failed: " + describe(failure[0]);
    }

    /**
     * One line about an exception: its class, message and, when the message is thin, its cause's.
     *
     * @param t the throwable.
     * @return the description.
     */
    static String describe(final Throwable t)
    {
        final StringBuilder text = new StringBuilder();
        Throwable cause = t;
        for (int depth = 0; cause != null && depth < 3; depth++, cause = cause.getCause())
        {
            if (depth > 0)
            {
                text.append(" <- ");
            }
            text.append(cause.getClass().getSimpleName());
            if (cause.getMessage() != null)
            {
                text.append(": ").append(cause.getMessage().lines().findFirst().orElse(""));
            }
        }
        final String line = text.toString().replace('|', '/');
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    /**
     * Runs {@code sync(1)}: the untimed step between a store phase and a lookup phase.
     */
    static final class Sync
    {
        private Sync()
        {
        }

        /**
         * Runs {@code sync} and waits for it.
         *
         * @return its duration in seconds.
         * @throws IOException          when it cannot start.
         * @throws InterruptedException when interrupted while waiting.
         */
        static double run() throws IOException, InterruptedException
        {
            final long start = System.nanoTime();
            final Process process = new ProcessBuilder("sync").inheritIO().start();
            if (!process.waitFor(300, TimeUnit.SECONDS))
            {
                process.destroy();
                throw new IOException("sync did not finish in 300 s");
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }
}
