package dev.rawcache.bench.micro;

import dev.rawcache.alloc.BlockAllocator;
import dev.rawcache.format.EntryHeaderDescriptor;
import dev.rawcache.io.block.ExtentList;

import java.util.BitSet;
import java.util.SplittableRandom;
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
 * How long does allocating and freeing a run of 1, 16 or 256 blocks take, on free space in one piece and on heavily
 * fragmented free space?
 * <p>
 * <b>One op</b> is {@link BlockAllocator#allocate(long, int)} of {@code blocks} blocks with the store path's extent
 * limit ({@link EntryHeaderDescriptor#MAX_EXTENTS}, 256), then {@link BlockAllocator#free(ExtentList)} of what it
 * returned. A failed allocation fails the run. Allocation takes maximal free extents (or the front of one) and the
 * free merges them back, so the free space is the same after every op; teardown checks that.
 * <p>
 * <b>Free space</b> ({@code fragmentation}), over an allocator of 2^20 blocks (4 GiB of 4 KiB blocks):
 * <ul>
 *     <li>{@code none}: the first half is allocated in one run; the free space is one extent of 524,288 blocks. Every
 *     request is a best-fit split of that extent and the free merges it back.</li>
 *     <li>{@code heavy}: used and free runs alternate, each 1 to 8 blocks long (uniform, fixed seed), as a cache of
 *     small entries looks after churn: about 116,000 free extents, none longer than 8 blocks. A 1-block request is a
 *     best fit into a 1-block hole; 16 blocks take the two largest holes; 256 blocks take 32 holes, each one a tree
 *     removal and, on free, a tree insertion.</li>
 * </ul>
 * Every op takes the same extents, so the trees' paths to them stay in the CPU caches: this is the allocator's own
 * work (tree walks, boxing, the monitor), not the cache misses of a large tree visited at random places.
 * <p>
 * <b>Run</b> (the fork's JVM flags come from {@link Fork#jvmArgsAppend()}; the launcher's are for the JMH runner;
 * add {@code -prof gc} to see the bytes allocated per op):
 * <pre>
 * ./rawcache bench AllocatorBenchmark
 * $JAVA_HOME/bin/java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
 *     --sun-misc-unsafe-memory-access=allow -jar cache-bench/target/benchmarks.jar AllocatorBenchmark \
 *     -f 1 -wi 3 -w 1s -i 5 -r 1s
 * </pre>
 * <b>Results</b> (2026-11-21, Temurin 25.0.3, AMD EPYC VM, 2 cores, shared; noisy; {@code -f 1 -wi 3 -w 1s -i 5
 * -r 1s}, three runs, {@code -prof gc} for the bytes): {@code none}: 69–81 ns/op at every size, 352 B/op;
 * {@code heavy}: 1 block 138–156 ns/op (152 B/op), 16 blocks (2 extents) 0.91–1.01 µs/op (2,472 B/op), 256 blocks
 * (32 extents) 9.2–13.7 µs/op (7,776 B/op). The cost grows with the extents, about 0.3–0.4 µs each: a JFR profile
 * puts most of it in the boxed {@code TreeMap}/{@code TreeSet} operations (about seven per extent: get, two
 * removals, two neighbour searches, two insertions, each a walk down a red-black tree of 116,000 {@code Long}
 * keys, at least 17 levels), and every multi-extent allocation also allocates a {@code long[256]} plan (2 KiB)
 * whatever it needs.
 * <p>
 * Thread-safe as JMH uses it (the allocator is thread-safe), but with {@code -t 2} two threads contend for its
 * monitor and can take each other's extents, so the free space then differs from op to op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Benchmark)
public class AllocatorBenchmark
{
    /** Blocks the allocator manages. */
    public static final long TOTAL_BLOCKS = 1L << 20;
    /** Longest used or free run in the heavy layout. */
    public static final int MAX_RUN = 8;

    /** Blocks per allocation. */
    @Param({"1", "16", "256"})
    public int blocks;

    /** Layout of the free space: none (one free extent) or heavy (holes of 1 to 8 blocks). */
    @Param({"none", "heavy"})
    public String fragmentation;

    private BlockAllocator allocator;
    private long freeBlocksAtStart;
    private int freeExtentsAtStart;

    /**
     * Creates the benchmark state; JMH calls this once per trial.
     */
    public AllocatorBenchmark()
    {
    }

    /**
     * Builds the allocator with the free space laid out as {@code fragmentation} says, and prints its shape.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        switch (fragmentation)
        {
            case "none" ->
            {
                allocator = new BlockAllocator(0, TOTAL_BLOCKS);
                if (allocator.allocate(TOTAL_BLOCKS / 2, 1) == null)
                {
                    throw new IllegalStateException("cannot fill the first half");
                }
            }
            case "heavy" ->
            {
                final BitSet used = new BitSet((int)TOTAL_BLOCKS);
                final SplittableRandom random = new SplittableRandom(MicroSupport.SEED);
                int block = 0;
                while (block < TOTAL_BLOCKS)
                {
                    final int usedRun = 1 + random.nextInt(MAX_RUN);
                    used.set(block, (int)Math.min(TOTAL_BLOCKS, block + usedRun));
                    block += usedRun + 1 + random.nextInt(MAX_RUN);
                }
                allocator = BlockAllocator.withUsed(0, TOTAL_BLOCKS, used);
            }
            default -> throw new IllegalArgumentException("unknown fragmentation " + fragmentation +
                "; expected none or heavy");
        }
        freeBlocksAtStart = allocator.freeBlocks();
        freeExtentsAtStart = allocator.freeExtentCount();
        final ExtentList probe = allocator.allocate(blocks, EntryHeaderDescriptor.MAX_EXTENTS);
        if (probe == null)
        {
            throw new IllegalStateException("cannot allocate " + blocks + " blocks from " + fragmentation);
        }
        System.out.printf("%n[%s, %d blocks] free blocks %d in %d extents, largest %d; one allocation takes %d " +
            "extents%n", fragmentation, blocks, freeBlocksAtStart, freeExtentsAtStart,
            allocator.largestFreeExtent(), probe.size());
        allocator.free(probe);
    }

    /**
     * Checks that the free space is as setup left it.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (allocator.freeBlocks() != freeBlocksAtStart || allocator.freeExtentCount() != freeExtentsAtStart)
        {
            throw new IllegalStateException("free space changed: " + allocator.freeBlocks() + " blocks in " +
                allocator.freeExtentCount() + " extents, was " + freeBlocksAtStart + " in " + freeExtentsAtStart);
        }
    }

    /**
     * Allocates {@code blocks} blocks and frees them.
     *
     * @return the extents that were allocated.
     */
    @Benchmark
    public ExtentList allocateAndFree()
    {
        final ExtentList extents = allocator.allocate(blocks, EntryHeaderDescriptor.MAX_EXTENTS);
        if (extents == null)
        {
            throw new IllegalStateException("cannot allocate " + blocks + " blocks");
        }
        allocator.free(extents);
        return extents;
    }
}
