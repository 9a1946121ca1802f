package dev.rawcache.bench.compare;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Everything one engine measured at one value size (or the median of several rounds).
 *
 * @param engine        the engine's name.
 * @param settings      its settings line.
 * @param rawcache      whether it is rawcache.
 * @param valueSize     bytes per value.
 * @param count         keys in the data set.
 * @param stored        keys stored before the store phase ended (less than {@code count} only when it hit its cap).
 * @param store         the store phase, one thread.
 * @param finishSeconds time of {@link Engine#finishStores()}, not part of the store phase.
 * @param lookup1       uniform random lookups, one thread.
 * @param lookup2       uniform random lookups, two threads.
 * @param mixed         Zipf-keyed 80% lookups / 20% stores, two threads (latencies of its lookups).
 * @param send          uniform random sends of whole values by {@code sendfile} to loopback TCP, one thread; NONE
 *                      for engines that cannot send.
 * @param failure       why the engine could not run, or null.
 * @param notes         remarks for the table (capped phases, misses).
 */
record TrialResult(String engine, String settings, boolean rawcache, int valueSize, int count, int stored,
                   PhaseResult store, double finishSeconds, PhaseResult lookup1, PhaseResult lookup2,
                   PhaseResult mixed, PhaseResult send, String failure, List<String> notes)
{
    /**
     * A row for an engine that failed before measuring anything.
     *
     * @param engine    its name.
     * @param settings  its settings line.
     * @param rawcache  whether it is rawcache.
     * @param valueSize bytes per value.
     * @param count     keys.
     * @param failure   why.
     * @return the row.
     */
    static TrialResult failed(final String engine, final String settings, final boolean rawcache,
                              final int valueSize, final int count, final String failure)
    {
        return new TrialResult(engine, settings, rawcache, valueSize, count, 0, PhaseResult.NONE, Double.NaN,
            PhaseResult.NONE, PhaseResult.NONE, PhaseResult.NONE, PhaseResult.NONE, failure, List.of());
    }

    /**
     * Whether the engine failed (did not run, or returned wrong bytes).
     *
     * @return true on failure.
     */
    boolean isFailed()
    {
        return failure != null;
    }

    /**
     * The median over rounds of one engine at one size; a failure in any round is kept.
     *
     * @param rounds the rounds' results, at least one.
     * @return the combined row.
     */
    static TrialResult median(final List<TrialResult> rounds)
    {
        final TrialResult first = rounds.getFirst();
        if (rounds.size() == 1)
        {
            return first;
        }
        final LinkedHashSet<String> notes = new LinkedHashSet<>();
        String failure = null;
        for (final TrialResult r : rounds)
        {
            notes.addAll(r.notes());
            if (r.failure() != null && failure == null)
            {
                failure = r.failure();
            }
        }
        final double[] finish = rounds.stream().mapToDouble(TrialResult::finishSeconds).filter(d -> !Double.isNaN(d))
            .sorted().toArray();
        return new TrialResult(first.engine(), first.settings(), first.rawcache(), first.valueSize(), first.count(),
            rounds.stream().mapToInt(TrialResult::stored).min().orElse(0),
            PhaseResult.median(rounds.stream().map(TrialResult::store).toList()),
            finish.length == 0 ? Double.NaN : finish[finish.length / 2],
            PhaseResult.median(rounds.stream().map(TrialResult::lookup1).toList()),
            PhaseResult.median(rounds.stream().map(TrialResult::lookup2).toList()),
            PhaseResult.median(rounds.stream().map(TrialResult::mixed).toList()),
            PhaseResult.median(rounds.stream().map(TrialResult::send).toList()),
            failure, new ArrayList<>(notes));
    }

    @Override
    public String toString()
    {
        return engine + " @ " + valueSize + ": store " + Units.ops(store.opsPerSecond()) + ", lookup " +
            Units.ops(lookup1.opsPerSecond()) + " / " + Units.ops(lookup2.opsPerSecond()) + ", mixed " +
            Units.ops(mixed.opsPerSecond()) + (failure == null ? "" : ", FAILED: " + failure) +
            (notes.isEmpty() ? "" : " " + Arrays.toString(notes.toArray()));
    }
}
