package dev.rawcache.bench.compare;

import org.HdrHistogram.Histogram;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What one timed phase of one engine measured: operations, wall time, latency percentiles, and the errors its checks
 * found.
 *
 * @param ops       operations completed.
 * @param seconds   wall time from the common start to the last thread's end.
 * @param valueSize bytes per operation, for the bandwidth.
 * @param p50       median latency of the recorded operations, µs (lookups only in the mixed phase).
 * @param p99       99th percentile, µs.
 * @param p999      99.9th percentile, µs.
 * @param misses    lookups that found nothing.
 * @param wrong     lookups that returned bytes other than the key's value.
 * @param cores     CPU time the phase's threads got, divided by its wall time: 2 for two threads that ran all the
 *                  time; less when they waited (for I/O, a lock) or the machine's other work took the cores.
 */
record PhaseResult(long ops, double seconds, int valueSize, double p50, double p99, double p999, long misses,
                   long wrong, double cores)
{
    /** A phase that did not run. */
    static final PhaseResult NONE = new PhaseResult(0, Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN, 0, 0,
        Double.NaN);

    /**
     * Builds a result from a latency histogram in nanoseconds.
     *
     * @param ops       operations.
     * @param seconds   wall time.
     * @param valueSize bytes per operation.
     * @param latencies the recorded latencies, ns.
     * @param misses    misses.
     * @param wrong     wrong values.
     * @param cpuSeconds CPU time of the phase's threads.
     * @return the result.
     */
    static PhaseResult of(final long ops, final double seconds, final int valueSize, final Histogram latencies,
                          final long misses, final long wrong, final double cpuSeconds)
    {
        final boolean any = latencies.getTotalCount() > 0;
        return new PhaseResult(ops, seconds, valueSize,
            any ? latencies.getValueAtPercentile(50) / 1e3 : Double.NaN,
            any ? latencies.getValueAtPercentile(99) / 1e3 : Double.NaN,
            any ? latencies.getValueAtPercentile(99.9) / 1e3 : Double.NaN,
            misses, wrong, seconds > 0 ? cpuSeconds / seconds : Double.NaN);
    }

    /**
     * Operations per second.
     *
     * @return the rate, NaN when the phase did not run.
     */
    double opsPerSecond()
    {
        return seconds > 0 ? ops / seconds : Double.NaN;
    }

    /**
     * Value bytes per second.
     *
     * @return the rate, NaN when the phase did not run.
     */
    double bytesPerSecond()
    {
        return opsPerSecond() * valueSize;
    }

    /**
     * Whether the phase ran.
     *
     * @return true when it completed operations.
     */
    boolean ran()
    {
        return ops > 0 && seconds > 0;
    }

    /**
     * The median of several rounds' results, field by field (each field's median on its own), with misses and wrong
     * values summed.
     *
     * @param rounds the results; phases that did not run are ignored.
     * @return the median, or {@link #NONE}.
     */
    static PhaseResult median(final List<PhaseResult> rounds)
    {
        final List<PhaseResult> ran = rounds.stream().filter(PhaseResult::ran).toList();
        if (ran.isEmpty())
        {
            return NONE;
        }
        final double rate = median(ran, PhaseResult::opsPerSecond);
        final long ops = (long)median(ran, PhaseResult::ops);
        return new PhaseResult(ops, ops / rate, ran.getFirst().valueSize(), median(ran, PhaseResult::p50),
            median(ran, PhaseResult::p99), median(ran, PhaseResult::p999),
            ran.stream().mapToLong(PhaseResult::misses).sum(), ran.stream().mapToLong(PhaseResult::wrong).sum(),
            median(ran, PhaseResult::cores));
    }

    private static double median(final List<PhaseResult> results, final ToDoubleFunction<PhaseResult> field)
    {
        final double[] values = results.stream().mapToDouble(field).toArray();
        Arrays.sort(values);
        final int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
