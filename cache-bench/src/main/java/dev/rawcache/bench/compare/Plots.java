package dev.rawcache.bench.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The plots of a run, as SVG documents by file name:
 * <ul>
 * <li>{@code lookup-throughput-vs-size.svg}: lookups per second (1 thread, log scale) by value size, one line per
 * engine, with the {@code pread} and mmap-copy limits dashed;</li>
 * <li>{@code lookup-bandwidth-vs-size.svg}: the same in GB/s;</li>
 * <li>{@code lookup-threads.svg}: lookups per second with 1 and 2 threads at the smallest value size, per engine and
 * limit;</li>
 * <li>{@code store-throughput-vs-size.svg}: stores per second (1 thread) by value size, with the {@code pwrite}
 * limit.</li>
 * </ul>
 * Stateless and thread-safe.
 */
final class Plots
{
    private Plots()
    {
    }

    /**
     * Draws every plot.
     *
     * @param bySize   one row per engine per value size.
     * @param limits   the limits.
     * @param subtitle the line under each title.
     * @return file name to SVG text, in order.
     */
    static Map<String, String> all(final Map<Integer, List<TrialResult>> bySize, final Limits limits,
                                   final String subtitle)
    {
        final List<Integer> sizes = new ArrayList<>(bySize.keySet());
        final List<String> categories = sizes.stream().map(Units::size).toList();
        final LinkedHashSet<String> engines = new LinkedHashSet<>();
        bySize.values().forEach(rows -> rows.forEach(r -> engines.add(r.engine())));
        final Map<String, String> plots = new LinkedHashMap<>();

        final List<SvgChart.Series> ops = perEngine(bySize, sizes, engines, r -> r.lookup1().opsPerSecond());
        ops.add(limit(limits, sizes, Limits.PREAD, 1, false, "limit: pread (1 thread)"));
        ops.add(limit(limits, sizes, Limits.MMAP_COPY, 1, false, "limit: mmap copy (1 thread)"));
        plots.put("lookup-throughput-vs-size.svg", SvgChart.logLines("Lookups per second by value size (1 thread)",
            subtitle, categories, "value size", "lookups per second (log scale)", Units::ops, ops));

        final List<SvgChart.Series> bandwidth = perEngine(bySize, sizes, engines,
            r -> r.lookup1().bytesPerSecond() / 1e9);
        bandwidth.add(limit(limits, sizes, Limits.PREAD, 1, true, "limit: pread (1 thread)"));
        bandwidth.add(limit(limits, sizes, Limits.MMAP_COPY, 1, true, "limit: mmap copy (1 thread)"));
        plots.put("lookup-bandwidth-vs-size.svg", SvgChart.logLines("Lookup bandwidth by value size (1 thread)",
            subtitle, categories, "value size", "GB/s of values (log scale)", Plots::plain, bandwidth));

        final int smallest = sizes.getFirst();
        final List<String> groups = new ArrayList<>();
        final double[] one = new double[engines.size() + 2];
        final double[] two = new double[engines.size() + 2];
        int g = 0;
        for (final TrialResult r : bySize.get(smallest))
        {
            groups.add(r.engine());
            one[g] = r.isFailed() ? Double.NaN : r.lookup1().opsPerSecond();
            two[g] = r.isFailed() ? Double.NaN : r.lookup2().opsPerSecond();
            g++;
        }
        for (final String name : List.of(Limits.PREAD, Limits.MMAP_COPY))
        {
            final Limits.Result l1 = limits.find(name, smallest, 1);
            final Limits.Result l2 = limits.find(name, smallest, 2);
            groups.add("limit: " + name);
            one[g] = l1 == null ? Double.NaN : l1.opsPerSecond();
            two[g] = l2 == null ? Double.NaN : l2.opsPerSecond();
            g++;
        }
        plots.put("lookup-threads.svg", SvgChart.groupedBars("Lookups per second at " + Units.size(smallest) +
                ", 1 and 2 threads", subtitle, groups, "lookups per second", Units::ops,
            List.of(new SvgChart.Series("1 thread", one, false, false),
                new SvgChart.Series("2 threads", two, false, false))));

        final List<SvgChart.Series> stores = perEngine(bySize, sizes, engines, r -> r.store().opsPerSecond());
        stores.add(limit(limits, sizes, Limits.PWRITE, 1, false, "limit: pwrite (1 thread)"));
        plots.put("store-throughput-vs-size.svg", SvgChart.logLines("Stores per second by value size (1 thread)",
            subtitle, categories, "value size", "stores per second (log scale)", Units::ops, stores));
        return plots;
    }

    private static String plain(final double value)
    {
        return new java.math.BigDecimal(value).round(new java.math.MathContext(2)).stripTrailingZeros()
            .toPlainString();
    }

    private static List<SvgChart.Series> perEngine(final Map<Integer, List<TrialResult>> bySize,
                                                   final List<Integer> sizes, final LinkedHashSet<String> engines,
                                                   final ToDoubleFunction<TrialResult> metric)
    {
        final List<SvgChart.Series> series = new ArrayList<>();
        for (final String engine : engines)
        {
            final double[] values = new double[sizes.size()];
            boolean rawcache = false;
            for (int i = 0; i < sizes.size(); i++)
            {
                values[i] = Double.NaN;
                for (final TrialResult r : bySize.get(sizes.get(i)))
                {
                    if (r.engine().equals(engine) && !r.isFailed())
                    {
                        values[i] = metric.applyAsDouble(r);
                        rawcache = r.rawcache();
                    }
                }
            }
            series.add(new SvgChart.Series(engine, values, false, rawcache));
        }
        return series;
    }

    private static SvgChart.Series limit(final Limits limits, final List<Integer> sizes, final String name,
                                         final int threads, final boolean gigabytes, final String label)
    {
        final double[] values = new double[sizes.size()];
        for (int i = 0; i < sizes.size(); i++)
        {
            final Limits.Result r = limits.find(name, sizes.get(i), threads);
            values[i] = r == null ? Double.NaN : gigabytes ? r.bytesPerSecond() / 1e9 : r.opsPerSecond();
        }
        return new SvgChart.Series(label, values, true, false);
    }
}
