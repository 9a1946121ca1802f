package dev.rawcache.bench.micro;

import dev.rawcache.bench.BenchSupport;
import dev.rawcache.stats.CacheCounter;
import dev.rawcache.stats.CacheCounters;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.agrona.concurrent.status.AtomicCounter;
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
 * How long does counting one event in a stats counter take, the way rawcache counts hits, from one thread and from
 * two threads at once?
 * <p>
 * <b>One op</b> is one {@link AtomicCounter#increment()} of the {@link CacheCounter#HITS} counter of a real
 * {@link CacheCounters} (an Agrona counter in a mapped counters file; {@code increment} is an atomic add, a
 * {@code lock xadd} on x86-64), which is what every lookup, zero-copy lookup and transfer that hits does. With
 * {@code impl=longAdder} the op is {@link LongAdder#increment()}, the baseline: a striped counter whose threads
 * each add to a cell of their own once they have collided.
 * <p>
 * {@code increment} runs on one thread; {@code incrementTwoThreads} on two ({@code @Threads(2)}) that update the
 * same counter, as two lookup threads do; the score is each thread's mean time per op. Teardown prints the
 * counter's final value.
 * <p>
 * <b>Run</b> (the fork's JVM flags come from {@link Fork#jvmArgsAppend()}; the launcher's are for the JMH runner):
 * <pre>
 * ./rawcache bench CounterUpdateBenchmark
 * $JAVA_HOME/bin/java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
 *     --sun-misc-unsafe-memory-access=allow -jar cache-bench/target/benchmarks.jar CounterUpdateBenchmark \
 *     -f 1 -wi 3 -w 1s -i 5 -r 1s
 * </pre>
 * <b>Results</b> (2026-11-21, Temurin 25.0.3, AMD EPYC VM, 2 cores, shared; noisy; {@code -f 1 -wi 3 -w 1s -i 5
 * -r 1s}): one thread, four runs: {@code agrona} 5.1–5.9 ns/op, {@code longAdder} 5.2–5.6 ns/op (8.7 ± 3.9 and
 * 9.4 ± 5.0 in a fifth, busier run). Two threads, the one run with both cores free: {@code agrona}
 * 13.6 ± 4.7 ns/op per thread, {@code longAdder} 5.5 ± 0.3 ns/op (a second run, which another process joined
 * halfway, gave 16.1 ± 1.3 and 11.1 ± 1.9):
 * two threads hitting one Agrona counter pass its cache line back and forth, about 2.5 times the cost of one
 * thread, while the adder's threads each get a cell. In runs where another process held one core, the two threads
 * took turns on the other and both counters gave 10–13 ns/op (twice one thread's, no contention to see): the
 * two-thread figures mean something only on an idle machine.
 * <p>
 * Thread-safe: both counters are; that is the point of the two-thread op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Benchmark)
public class CounterUpdateBenchmark
{
    /** The counter: agrona (rawcache's) or longAdder (the baseline). */
    @Param({"agrona", "longAdder"})
    public String impl;

    private boolean agrona;
    private Path directory;
    private CacheCounters counters;
    private AtomicCounter hits;
    private final LongAdder adder = new LongAdder();

    /**
     * Creates the benchmark state; JMH calls this once per trial.
     */
    public CounterUpdateBenchmark()
    {
    }

    /**
     * Creates the counters file.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        agrona = switch (impl)
        {
            case "agrona" -> true;
            case "longAdder" -> false;
            default -> throw new IllegalArgumentException("unknown impl " + impl + "; expected agrona or longAdder");
        };
        directory = BenchSupport.createTempDirectory("counters");
        counters = CacheCounters.create(directory.resolve("micro.counters"), 1);
        hits = counters.counter(CacheCounter.HITS);
    }

    /**
     * Prints the count, closes the counters and deletes their file.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            System.out.printf("%n[%s] count %,d%n", impl, agrona ? hits.get() : adder.sum());
            counters.close();
        }
        finally
        {
            BenchSupport.deleteRecursively(directory);
        }
    }

    /**
     * Counts one event, one thread.
     */
    @Benchmark
    public void increment()
    {
        count();
    }

    /**
     * Counts one event, two threads on the same counter.
     */
    @Benchmark
    @Threads(2)
    public void incrementTwoThreads()
    {
        count();
    }

    private void count()
    {
        if (agrona)
        {
            hits.increment();
        }
        else
        {
            adder.increment();
        }
    }
}
