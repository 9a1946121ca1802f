package dev.rawcache.bench.micro;

import dev.rawcache.bench.BenchSupport;
import dev.rawcache.bench.ScrambledZipf;
import dev.rawcache.index.Entry;
import dev.rawcache.index.EntryIndex;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * What does recording a hit in the LRU order cost: applied at once under the index lock, left in the read buffer
 * when the lock is busy, and drained from the buffer into the LRU list later; and what do two threads recording hits
 * at once cost each other?
 * <p>
 * <b>Small and large indexes.</b> What follows is the path of an index of fewer than 4,096 entries
 * ({@code entries=2048}). A larger index ({@code entries=10000, 1000000}) records a hit by marking the entry (an
 * opaque store of the recency clock and a plain store of its second-chance flag, no lock; the eviction walk moves
 * marked entries later): there {@code recordHit} and {@code recordHitTwoThreads} measure the mark, and
 * {@code bufferHit} and {@code drainBuffer} a path that buffers nothing. The setup check still holds there because
 * the index reports marked entries last, in list order.
 * <p>
 * <b>What the index exposes.</b> A hit is recorded by {@link EntryIndex#recordAccess(Entry)}: if {@code tryLock}
 * wins, it drains the read buffer and moves the entry to the head of the LRU list under the lock; if the lock is
 * busy, it offers the entry to a bounded MPSC read buffer (1,024 slots; a full buffer drops the hit). The buffer is
 * drained, under the lock, by whoever takes it next: {@link EntryIndex#lock()} (a store, remove or eviction) or the
 * next {@code recordAccess} that wins {@code tryLock}. The drain itself is private, so it is measured through
 * {@code lock()}.
 * <p>
 * <b>Ops</b> (entries drawn from a {@link ScrambledZipf}, exponent 0.99, fixed seed, 2^20 draws precomputed into an
 * array of the drawn entries, walked in order, so finding the entry costs no cache miss: a lookup has it in hand
 * from the map):
 * <ul>
 *     <li>{@code recordHit}: one {@code recordAccess} on one thread. The lock is always free, so this is
 *     {@code tryLock}, an empty poll of the buffer, the move to the head and {@code unlock}: the cost of every
 *     uncontended hit.</li>
 *     <li>{@code recordHitTwoThreads}: the same with two threads ({@code @Threads(2)}) on one index; the score is
 *     each thread's mean time per op. A thread that loses {@code tryLock} offers to the buffer instead, and the
 *     winner drains it: this shows the contention on the lock word, the list head and the buffer. With nothing
 *     between hits, offers outrun the drain: the buffer stays full and most hits are dropped, so the time per op
 *     falls below one thread's. After each iteration the benchmark prints how many hits moved an entry to the head
 *     (the recency clock, read from {@link Entry#accessStamp()}); read the score with that share.</li>
 *     <li>{@code bufferHit}: one {@code recordAccess} while another thread holds the lock, that is one offer to the
 *     read buffer (the contended path alone). Per invocation 1,024 hits are offered into an empty buffer, none
 *     dropped, and the score is divided by 1,024 ({@code @OperationsPerInvocation}).</li>
 *     <li>{@code drainBuffer}: {@code lock()} then {@code unlock()} with 1,024 buffered hits, that is draining them
 *     into the LRU list; the score is per drained hit.</li>
 * </ul>
 * {@code bufferHit} and {@code drainBuffer} use per-invocation setup ({@code Level.Invocation}): a helper thread
 * takes and releases the lock around the measured part (and for {@code drainBuffer} the 1,024 offers happen in the
 * setup). JMH then timestamps each invocation; at 1,024 hits per invocation that overhead is well under 1%, but
 * the hand-off to the helper thread just before the measured part leaves the caches as a hand-off would.
 * <p>
 * <b>Data set.</b> {@code entries} in-memory {@link Entry} objects (no cache file) published in one
 * {@link EntryIndex}; setup checks once that 1,024 buffered hits all arrive at the head of the list, in order.
 * <p>
 * <b>Run</b> (the fork's JVM flags come from {@link Fork#jvmArgsAppend()}; the launcher's are for the JMH runner):
 * <pre>
 * ./rawcache bench LruDrainBenchmark
 * $JAVA_HOME/bin/java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
 *     --sun-misc-unsafe-memory-access=allow -jar cache-bench/target/benchmarks.jar LruDrainBenchmark \
 *     -f 1 -wi 3 -w 1s -i 5 -r 1s
 * </pre>
 * <b>Results</b> (2026-11-21, Temurin 25.0.3, AMD EPYC VM, 2 cores, shared; noisy; {@code -f 1 -wi 3 -w 1s -i 5
 * -r 1s}; two runs of this version, one on a quiet machine, one while another benchmark ran), 10 k / 1 M entries:
 * {@code recordHit} 23–24 / 232 (quiet) and 911 (busy) ns/op; {@code recordHitTwoThreads} 15 / 13–104 ns/op per
 * thread, with only 4.3–14% / 0.4–1.0% of the hits moving an entry (the rest dropped by a full buffer);
 * {@code bufferHit} 7.0–7.1 / 6.6–6.8 ns/op; {@code drainBuffer} 23–29 / 97 (quiet) and 862 (busy) ns per drained
 * hit. At 10 k everything stays in the CPU caches and the runs agree. At 1 M the move is cache misses on the entry
 * and its two list neighbours, which suffer most from a neighbour's use of the shared L3: an uncontended hit costs
 * 2 to 9 times the map lookup ({@link IndexLookupBenchmark}). On the quiet machine a drain made the same moves
 * for less than half the cost per hit (97 against 232 ns), one run only; on the busy one the two were alike.
 * <p>
 * Thread-safe as JMH uses it: the index is shared and thread-safe; each thread has its own {@link Reader}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xms2g", "-Xmx2g"})
@Threads(1)
@State(Scope.Benchmark)
public class LruDrainBenchmark
{
    /** Hits per invocation of the buffered ops: the read buffer's capacity. */
    public static final int BATCH = 1024;

    /** Entries in the index. */
    @Param({"2048", "10000", "1000000"})
    public int entries;

    private EntryIndex index;
    private Entry[] all;
    /** The entry of each draw, in draw order, so a thread walks this array sequentially. */
    private Entry[] hits;
    private ExecutorService holder;
    private final List<Reader> readers = new CopyOnWriteArrayList<>();
    private long hitsAtIterationStart;
    private long stampAtIterationStart;

    /**
     * Creates the benchmark state; JMH calls this once per trial.
     */
    public LruDrainBenchmark()
    {
    }

    /**
     * Builds the index and the draws, starts the lock-holding helper thread and checks that a full batch of
     * buffered hits is drained in order.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        all = MicroSupport.entries(BenchSupport.keys(entries));
        index = MicroSupport.index(all);
        final int[] draws = MicroSupport.zipfDraws(entries);
        hits = new Entry[draws.length];
        for (int j = 0; j < draws.length; j++)
        {
            hits[j] = all[draws[j]];
        }
        holder = Executors.newSingleThreadExecutor(task ->
        {
            final Thread thread = new Thread(task, "lru-lock-holder");
            thread.setDaemon(true);
            return thread;
        });

        int repeats = 0;
        for (int j = 1; j < draws.length; j++)
        {
            repeats += draws[j] == draws[j - 1] ? 1 : 0;
        }
        System.out.printf("%n[%d entries] a single thread's hits move an entry to the head %.1f%% of the time (the " +
            "rest draw the entry already at the head)%n", entries, 100.0 * (draws.length - repeats) / draws.length);

        final int batch = Math.min(BATCH, entries);
        onHolder(index::lock);
        for (int i = 0; i < batch; i++)
        {
            index.recordAccess(all[i]);
        }
        onHolder(index::unlock);
        index.lock();
        try
        {
            final List<String> order = index.keysInEvictionOrderLocked();
            for (int i = 0; i < batch; i++)
            {
                if (!order.get(entries - batch + i).equals(all[i].key()))
                {
                    throw new IllegalStateException("buffered hit " + i + " was not drained in order");
                }
            }
        }
        finally
        {
            index.unlock();
        }
    }

    /**
     * Stops the helper thread.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        holder.shutdownNow();
    }

    /**
     * Notes the hits recorded so far and the recency clock, for {@link #reportIteration(BenchmarkParams)}.
     */
    @Setup(Level.Iteration)
    public void startIteration()
    {
        hitsAtIterationStart = hitsRecorded();
        stampAtIterationStart = newestStamp();
    }

    /**
     * Prints how many of the iteration's hits moved an entry to the head of the LRU list: the recency clock ticks
     * once per move, and a hit that was dropped (buffer full) or that found its entry already at the head does not
     * move anything. One thread's share is the baseline for the other ops.
     *
     * @param params the benchmark's parameters, for its name.
     */
    @TearDown(Level.Iteration)
    public void reportIteration(final BenchmarkParams params)
    {
        final long hits = hitsRecorded() - hitsAtIterationStart;
        final long moves = newestStamp() - stampAtIterationStart;
        final String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        System.out.printf(" [%s, %d entries: %,d hits recorded, %,d moved an entry to the head (%.1f%%)]", name,
            entries, hits, moves, hits == 0 ? 0.0 : 100.0 * moves / hits);
    }

    private long hitsRecorded()
    {
        long hits = 0;
        for (final Reader reader : readers)
        {
            hits += reader.next - reader.start;
        }
        return hits;
    }

    /** The newest recency stamp: the entry at the head has it. O(entries), outside the measurement. */
    private long newestStamp()
    {
        long newest = 0;
        for (final Entry entry : all)
        {
            newest = Math.max(newest, entry.accessStamp());
        }
        return newest;
    }

    /**
     * Records one hit on one thread; the lock is always free.
     *
     * @param reader the thread's place in the draws.
     */
    @Benchmark
    public void recordHit(final Reader reader)
    {
        index.recordAccess(hits[(int)(reader.next++ & MicroSupport.DRAW_MASK)]);
    }

    /**
     * Records one hit, two threads at once on the same index.
     *
     * @param reader the thread's place in the draws.
     */
    @Benchmark
    @Threads(2)
    public void recordHitTwoThreads(final Reader reader)
    {
        index.recordAccess(hits[(int)(reader.next++ & MicroSupport.DRAW_MASK)]);
    }

    /**
     * Records {@link #BATCH} hits while another thread holds the lock: each is one offer to the read buffer.
     *
     * @param reader the thread's place in the draws.
     * @param locked the helper thread's hold on the lock.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void bufferHit(final Reader reader, final LockedElsewhere locked)
    {
        for (int i = 0; i < BATCH; i++)
        {
            index.recordAccess(hits[(int)(reader.next++ & MicroSupport.DRAW_MASK)]);
        }
    }

    /**
     * Takes and releases the lock with {@link #BATCH} hits in the read buffer, draining them into the LRU list.
     *
     * @param filled the hits buffered by setup.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void drainBuffer(final FilledBuffer filled)
    {
        index.lock();
        index.unlock();
    }

    private void onHolder(final Runnable action)
    {
        try
        {
            holder.submit(action).get();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the helper thread ran " + action, e);
        }
        catch (final ExecutionException e)
        {
            throw new IllegalStateException("the helper thread failed", e.getCause());
        }
    }

    /**
     * One benchmark thread's position in the draws; each thread starts an eighth of the draws further on, so two
     * threads do not record the same entry at the same moment. Registered with the benchmark, which counts the hits
     * recorded.
     * <p>
     * Per-thread JMH state; not thread-safe. Its fields are read by the benchmark between iterations.
     */
    @State(Scope.Thread)
    public static class Reader
    {
        volatile long start;
        long next;

        /**
         * Creates the state; JMH calls this.
         */
        public Reader()
        {
        }

        /**
         * Places the thread's cursor and registers it.
         *
         * @param benchmark the benchmark state.
         * @param thread    which thread this is.
         */
        @Setup(Level.Trial)
        public void setUp(final LruDrainBenchmark benchmark, final ThreadParams thread)
        {
            next = (long)thread.getThreadIndex() * (MicroSupport.DRAWS / 8);
            start = next;
            benchmark.readers.add(this);
        }
    }

    /**
     * The helper thread holds the index lock (having drained the read buffer on taking it) around each invocation.
     * <p>
     * Per-thread JMH state; not thread-safe.
     */
    @State(Scope.Thread)
    public static class LockedElsewhere
    {
        private LruDrainBenchmark benchmark;

        /**
         * Creates the state; JMH calls this.
         */
        public LockedElsewhere()
        {
        }

        /**
         * Has the helper thread take the lock, which empties the read buffer.
         *
         * @param benchmark the benchmark state.
         */
        @Setup(Level.Invocation)
        public void lockElsewhere(final LruDrainBenchmark benchmark)
        {
            this.benchmark = benchmark;
            benchmark.onHolder(benchmark.index::lock);
        }

        /**
         * Has the helper thread release the lock.
         */
        @TearDown(Level.Invocation)
        public void unlockElsewhere()
        {
            benchmark.onHolder(benchmark.index::unlock);
        }
    }

    /**
     * {@link #BATCH} hits, drawn like the others, offered to the read buffer while the helper thread held the lock.
     * <p>
     * Per-thread JMH state; not thread-safe.
     */
    @State(Scope.Thread)
    public static class FilledBuffer
    {
        /**
         * Creates the state; JMH calls this.
         */
        public FilledBuffer()
        {
        }

        /**
         * Fills the read buffer: the helper thread takes the lock (emptying the buffer), this thread records
         * {@link #BATCH} hits, the helper thread releases the lock.
         *
         * @param benchmark the benchmark state.
         * @param reader    the thread's place in the draws.
         */
        @Setup(Level.Invocation)
        public void fill(final LruDrainBenchmark benchmark, final Reader reader)
        {
            benchmark.onHolder(benchmark.index::lock);
            for (int i = 0; i < BATCH; i++)
            {
                benchmark.index.recordAccess(benchmark.hits[(int)(reader.next++ & MicroSupport.DRAW_MASK)]);
            }
            benchmark.onHolder(benchmark.index::unlock);
        }
    }
}
