package dev.rawcache.bench.micro;

import dev.rawcache.bench.BenchSupport;
import dev.rawcache.bench.ScrambledZipf;
import dev.rawcache.index.Entry;
import dev.rawcache.index.EntryIndex;

import java.util.concurrent.ConcurrentHashMap;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long does an index lookup of a present key take with 10 k and 1 M entries?
 * <p>
 * <b>One op</b> is one {@link EntryIndex#get(String)} of a key that is in the index; the op fails the run if it
 * finds nothing. It does not pin the entry or record the hit ({@link LruDrainBenchmark} measures that). With
 * {@code impl=concurrentHashMap} the op is the same {@code get} on a plain {@code ConcurrentHashMap<String, Object>}
 * holding the same entries under the same keys, sized the same way: the baseline, since {@code EntryIndex.get} is
 * meant to be one map read with nothing around it.
 * <p>
 * <b>Data set.</b> {@code entries} keys shaped like a proxy's ({@link BenchSupport#key(int)}, 49 ASCII characters,
 * {@code GET https://bench.rawcache.dev/objects/0000000123}), each mapped to an in-memory {@link Entry} (no cache
 * file). Keys are drawn from a {@link ScrambledZipf} (exponent 0.99, fixed seed) precomputed into 2^20 draws, each
 * with its own probe key: a different {@code String}, with its own bytes, equal to the stored one, as a request's
 * key would be, so {@code equals} compares the 49 bytes instead of stopping at identity. The probes are allocated
 * in draw order and walked in that order, so the next probe is in the CPU cache (prefetched) as a request's freshly
 * built key would be; the op's cache misses are the map's own (table slot, node, stored key and its bytes). A
 * probe's hash code is cached after its first use ({@code String} caches it), so hashing the key is <em>not</em> in
 * the op: a lookup with a freshly built key string pays that on top (not measured here).
 * <p>
 * <b>Run</b> (the fork's JVM flags come from {@link Fork#jvmArgsAppend()}; the launcher's are for the JMH runner):
 * <pre>
 * ./rawcache bench IndexLookupBenchmark
 * $JAVA_HOME/bin/java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
 *     --sun-misc-unsafe-memory-access=allow -jar cache-bench/target/benchmarks.jar IndexLookupBenchmark \
 *     -f 1 -wi 3 -w 1s -i 5 -r 1s
 * </pre>
 * <b>{@code getAndReadEntry}</b> adds the read of the found entry's value length, which every cache lookup makes
 * next: since commit 5c2c548 the index's table ({@code KeyTable}) holds entries in its slots, so {@code get} itself
 * reads the entry, while the map's {@code get} stops at its node.
 * <p>
 * <b>Results</b> before {@code KeyTable} (2026-11-21, Temurin 25.0.3, AMD EPYC VM, 2 cores, shared; noisy; {@code -f 1
 * -wi 3 -w 1s -i 5 -r 1s}, three runs): 10 k entries 13.6–18.6 ns/op {@code entryIndex}, 13.9–19.9 ns/op {@code
 * concurrentHashMap}; 1 M entries 103–153 ns/op and 88–134 ns/op (±30–75 within a run). The index costs what the map
 * costs: the difference is inside the error in every run. At 1 M the op is cache misses in the map; an earlier version
 * of this benchmark whose probe keys lay scattered over the heap measured 167 ns/op at 1 M, so a key that is not in the
 * CPU cache adds about 70 ns.
 * <p>
 * Thread-safe as JMH uses it: the map is shared and only read; each thread has its own {@link Cursor}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xms2g", "-Xmx2g"})
@Threads(1)
@State(Scope.Benchmark)
public class IndexLookupBenchmark
{
    /** Entries in the index. */
    @Param({"10000", "1000000"})
    public int entries;

    /** What is looked up: entryIndex (rawcache) or concurrentHashMap (the baseline). */
    @Param({"entryIndex", "concurrentHashMap"})
    public String impl;

    private EntryIndex index;
    private ConcurrentHashMap<String, Object> map;
    private String[] probes;

    /**
     * Creates the benchmark state; JMH calls this once per trial.
     */
    public IndexLookupBenchmark()
    {
    }

    /**
     * Builds the entries and the structure under test, draws the keys, makes their probes and checks that every
     * probe finds its own entry.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        final String[] keys = BenchSupport.keys(entries);
        final Entry[] all = MicroSupport.entries(keys);
        switch (impl)
        {
            case "entryIndex" -> index = MicroSupport.index(all);
            case "concurrentHashMap" ->
            {
                // The initial capacity EntryIndex(int) gave its map while it was a ConcurrentHashMap.
                map = new ConcurrentHashMap<>(Math.max(16, entries + entries / 3));
                for (final Entry entry : all)
                {
                    map.put(entry.key(), entry);
                }
            }
            default -> throw new IllegalArgumentException("unknown impl " + impl +
                "; expected entryIndex or concurrentHashMap");
        }
        final int[] draws = MicroSupport.zipfDraws(entries);
        probes = MicroSupport.probeKeys(keys, draws);
        for (int j = 0; j < probes.length; j++)
        {
            if (find(probes[j]) != all[draws[j]])
            {
                throw new IllegalStateException("probe " + probes[j] + " did not find its entry");
            }
        }
    }

    /**
     * One lookup of the next drawn key.
     *
     * @param cursor the thread's place in the draws.
     * @return the entry found.
     */
    @Benchmark
    public Object get(final Cursor cursor)
    {
        final String key = probes[cursor.next++ & MicroSupport.DRAW_MASK];
        final Object found = find(key);
        if (found == null)
        {
            throw new IllegalStateException("unexpected miss for " + key);
        }
        return found;
    }

    /**
     * One lookup of the next drawn key, then the read of the entry's value length that every cache lookup makes
     * next: a map that keeps the entry behind a node of its own pays that entry's cache miss here, a table whose
     * slot holds the entry has already paid it.
     *
     * @param cursor the thread's place in the draws.
     * @return the value length of the entry found.
     */
    @Benchmark
    public long getAndReadEntry(final Cursor cursor)
    {
        return ((Entry)get(cursor)).valueLength();
    }

    private Object find(final String key)
    {
        return index != null ? index.get(key) : map.get(key);
    }
}
