package dev.rawcache.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Writes a run's results: {@code performance-results.md} (tables per value size, rawcache's ratios to the limits and
 * to the best peer, failures, settings), {@code performance-results.csv} (one row per engine and size, and one per
 * limit) and the SVG plots under {@code plots/}.
 * <p>
 * <b>Ratios.</b> Each rawcache row is compared with the limit of the path it takes (lookups: {@code pread} of a
 * value-sized block for the pread path, a copy out of a mapping for the mmap and zero-copy paths, at the same thread
 * count; stores:
 * {@code pwrite} of a value-sized block) and with the best peer, the fastest engine that is not rawcache (the naive
 * baselines included) in the same column.
 * <p>
 * Not thread-safe: used once at the end of a run.
 */
final class Report
{
    private final Settings settings;
    private final Environment environment;
    private final Limits limits;
    private final Map<Integer, List<TrialResult>> bySize;
    private final double runSeconds;

    /**
     * Prepares a report.
     *
     * @param settings    the run's settings.
     * @param environment the machine and JVM.
     * @param limits      the limits measured.
     * @param bySize      per value size, one (median) row per engine in the configured order.
     * @param runSeconds  how long the run took.
     */
    Report(final Settings settings, final Environment environment, final Limits limits,
           final Map<Integer, List<TrialResult>> bySize, final double runSeconds)
    {
        this.settings = settings;
        this.environment = environment;
        this.limits = limits;
        this.bySize = bySize;
        this.runSeconds = runSeconds;
    }

    /**
     * Writes the Markdown, the CSV and the plots.
     *
     * @return the files written.
     * @throws IOException on failure.
     */
    List<Path> write() throws IOException
    {
        final Path out = settings.outDirectory();
        final Path plots = out.resolve("plots");
        Files.createDirectories(plots);
        final List<Path> written = new ArrayList<>();
        written.add(Files.writeString(out.resolve("performance-results.md"), markdown()));
        written.add(Files.writeString(out.resolve("performance-results.csv"), csv()));
        for (final Map.Entry<String, String> plot : Plots.all(bySize, limits, subtitle()).entrySet())
        {
            written.add(Files.writeString(plots.resolve(plot.getKey()), plot.getValue()));
        }
        return written;
    }

    private String subtitle()
    {
        return settings.mode() + " mode, " + Units.bytes(settings.workingSetBytes()) + " of values per size, " +
            environment.date() + ", " + environment.cpus() + " CPUs, JDK " + environment.jdk();
    }

    // ------------------------------------------------------------------------------------------------ Markdown

    private String markdown()
    {
        final StringBuilder md = new StringBuilder();
        md.append("# rawcache and its peers: results\n\n");
        md.append("Written by `cache-bench/compare/run-compare.sh").append(settings.command().isEmpty() ? "" : " ")
            .append(settings.command()).append("` (main class `dev.rawcache.bench.compare.Compare`); rerun it ")
            .append("rather than editing this file. What the harness does, each peer's settings and a discussion of ")
            .append("these figures: [performance.md](performance.md). Raw figures: ")
            .append("[performance-results.csv](performance-results.csv).\n\n");
        md.append("- **Run**: ").append(environment.date()).append(", commit `").append(environment.commit())
            .append("`, ").append(settings.mode()).append(" mode: ").append(Units.bytes(settings.workingSetBytes()))
            .append(" of values per value size, ").append(Units.seconds(settings.phaseSeconds()))
            .append(" s per timed phase after a ").append(Units.seconds(settings.warmupSeconds()))
            .append(" s warm-up, ").append(settings.rounds()).append(settings.rounds() == 1 ? " round" :
                " rounds (engine order rotated; medians shown)").append(", seed ").append(settings.seed())
            .append("; took ").append(Units.seconds(runSeconds / 60)).append(" min.\n");
        md.append("- **Machine**: ").append(environment.cpuModel()).append(", ").append(environment.cpus())
            .append(" CPUs, ").append(environment.memory()).append(" RAM, kernel ").append(environment.kernel())
            .append(", data on ").append(environment.fileSystem()).append(". Load average before / after: ")
            .append(environment.loadBefore()).append(" / ").append(environment.loadAfter())
            .append(" (the machine is shared; anything else running shows up here).\n");
        md.append("- **JVM**: ").append(environment.jdk()).append(", ").append(environment.jvmArgs()).append("\n");
        md.append("- **Workload**: keys `\"k\" + i`, values derived from the key (every lookup checks length and ")
            .append("first and last 8 bytes, every 1,024th all bytes); stores of every key by 1 thread, then the ")
            .append("engine's own finish step (timed apart as *finish*), `sync`, one untimed lookup of every key ")
            .append("checked byte for byte (it also warms mappings and caches) and a short warm-up; lookups of ")
            .append("uniformly random keys by 1 and 2 threads; *mixed*: 2 threads, scrambled-Zipf keys ")
            .append("(exponent 0.99), 80% lookups, 20% stores of the same key; lookups, sends and mixed ")
            .append("operations pass a new `String` equal to the key, as a proxy builds one per request. Latencies ")
            .append("are per lookup ")
            .append("(HdrHistogram), 1 thread unless marked. *Cores used* is the CPU time the lookup threads got ")
            .append("divided by the phase's wall time: below 2 with 2 threads, they waited (locks, I/O, GC) or ")
            .append("the machine's other work held a core, and the 2-thread figure says less about scaling.\n\n");

        md.append("## Limits measured in this run\n\n");
        md.append("Measured before and after the engines; the better figure is shown, with the cores its threads ")
            .append("got.\n\n");
        md.append(limitsTable()).append('\n');

        for (final Map.Entry<Integer, List<TrialResult>> entry : bySize.entrySet())
        {
            final int size = entry.getKey();
            final List<TrialResult> rows = entry.getValue();
            md.append("## ").append(Units.size(size)).append(" values (").append(String.format("%,d",
                rows.getFirst().count())).append(" keys, ").append(Units.bytes((long)rows.getFirst().count() * size))
                .append(")\n\n");
            md.append(sizeTable(rows)).append('\n');
            md.append(ratioTable(size, rows)).append('\n');
        }

        md.append("## Engines that did not run, failed, or lost a thread\n\n");
        final List<String> failures = new ArrayList<>();
        for (final List<TrialResult> rows : bySize.values())
        {
            for (final TrialResult r : rows)
            {
                if (r.isFailed())
                {
                    failures.add("- " + r.engine() + " at " + Units.size(r.valueSize()) + ": " + r.failure());
                }
                for (final String note : r.notes())
                {
                    if (note.contains(" died: ") || note.contains("failed") || note.contains("hung"))
                    {
                        failures.add("- " + r.engine() + " at " + Units.size(r.valueSize()) + ": " + note);
                    }
                }
            }
        }
        md.append(failures.isEmpty() ? "None: every engine ran at every size and returned the right bytes.\n" :
            String.join("\n", failures) + "\n");
        md.append("\n## Engine settings\n\n");
        final Map<String, String> engineSettings = new LinkedHashMap<>();
        for (final List<TrialResult> rows : bySize.values())
        {
            for (final TrialResult r : rows)
            {
                engineSettings.putIfAbsent(r.engine(), r.settings() + " (at " + Units.size(r.valueSize()) + ")");
            }
        }
        engineSettings.forEach((engine, text) -> md.append("- **").append(engine).append("**: ").append(text)
            .append('\n'));
        md.append("\n## Plots\n\n");
        md.append("![Lookup throughput by value size](plots/lookup-throughput-vs-size.svg)\n\n");
        md.append("![Lookup bandwidth by value size](plots/lookup-bandwidth-vs-size.svg)\n\n");
        md.append("![Lookups with 1 and 2 threads](plots/lookup-threads.svg)\n\n");
        md.append("![Store throughput by value size](plots/store-throughput-vs-size.svg)\n");
        return md.toString();
    }

    private String limitsTable()
    {
        final StringBuilder t = new StringBuilder();
        t.append("| limit | what | 1 thread | 2 threads |\n|---|---|---:|---:|\n");
        limitRow(t, Limits.MEMCPY, 0, "`MemorySegment.copy` of 64 MiB, native to native", true);
        limitRow(t, Limits.SEQUENTIAL_PREAD, 0, "1 MiB `pread`s in order through a page-cached file", true);
        for (final int size : bySize.keySet())
        {
            final String s = Units.size(size);
            limitRow(t, Limits.MMAP_COPY, size, "copy " + s + " at a random offset out of a mapping", false);
            limitRow(t, Limits.PREAD, size, "one `pread` of " + s + " at a random offset", false);
            limitRow(t, Limits.PWRITE, size, "`pwrite` of " + s + " at consecutive offsets, page-cached file",
                false);
            limitRow(t, Limits.TRANSFER_TO, size, "`transferTo` (`sendfile`) of " + s +
                " to loopback TCP, drained by another thread", false);
        }
        return t.toString();
    }

    private void limitRow(final StringBuilder t, final String name, final int size, final String what,
                          final boolean bandwidthOnly)
    {
        final Limits.Result one = limits.find(name, size, 1);
        final Limits.Result two = limits.find(name, size, 2);
        if (one == null && two == null)
        {
            return;
        }
        t.append("| ").append(name).append(size == 0 ? "" : " " + Units.size(size)).append(" | ").append(what)
            .append(" | ").append(limitCell(one, bandwidthOnly)).append(" | ").append(limitCell(two, bandwidthOnly))
            .append(" |\n");
    }

    private static String limitCell(final Limits.Result r, final boolean bandwidthOnly)
    {
        if (r == null)
        {
            return "—";
        }
        return (bandwidthOnly ? Units.megabytes(r.bytesPerSecond()) + " MB/s" :
            Units.ops(r.opsPerSecond()) + " ops/s, " + Units.megabytes(r.bytesPerSecond()) + " MB/s") + " (" +
            Units.cores(r.cores()) + " cores)";
    }

    private static String sizeTable(final List<TrialResult> rows)
    {
        final StringBuilder t = new StringBuilder();
        t.append("| engine | store ops/s | store MB/s | finish s | lookup ops/s 1 thr | lookup ops/s 2 thr | ")
            .append("lookup MB/s 1 thr | lookup MB/s 2 thr | lookup p50 / p99 / p99.9 µs | p99 µs 2 thr | ")
            .append("cores used 1 / 2 thr | mixed ops/s 2 thr | sendfile ops/s 1 thr | notes |\n");
        t.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (final TrialResult r : rows)
        {
            final String name = r.rawcache() ? "**" + r.engine() + "**" : r.engine();
            if (r.isFailed() && !r.store().ran())
            {
                t.append("| ").append(name).append(" | did not run: ").append(r.failure())
                    .append(" |  |  |  |  |  |  |  |  |  |  |  |  |\n");
                continue;
            }
            final StringJoiner notes = new StringJoiner("; ");
            if (r.isFailed())
            {
                notes.add("FAILED: " + r.failure());
            }
            r.notes().forEach(notes::add);
            t.append("| ").append(name)
                .append(" | ").append(Units.ops(r.store().opsPerSecond()))
                .append(" | ").append(Units.megabytes(r.store().bytesPerSecond()))
                .append(" | ").append(Units.seconds(r.finishSeconds()))
                .append(" | ").append(Units.ops(r.lookup1().opsPerSecond()))
                .append(" | ").append(Units.ops(r.lookup2().opsPerSecond()))
                .append(" | ").append(Units.megabytes(r.lookup1().bytesPerSecond()))
                .append(" | ").append(Units.megabytes(r.lookup2().bytesPerSecond()))
                .append(" | ").append(Units.micros(r.lookup1().p50())).append(" / ")
                .append(Units.micros(r.lookup1().p99())).append(" / ").append(Units.micros(r.lookup1().p999()))
                .append(" | ").append(Units.micros(r.lookup2().p99()))
                .append(" | ").append(Units.cores(r.lookup1().cores())).append(" / ")
                .append(Units.cores(r.lookup2().cores()))
                .append(" | ").append(Units.ops(r.mixed().opsPerSecond()))
                .append(" | ").append(Units.ops(r.send().opsPerSecond()))
                .append(" | ").append(notes.toString().replace('|', '/')).append(" |\n");
        }
        return t.toString();
    }

    private String ratioTable(final int size, final List<TrialResult> rows)
    {
        final StringBuilder t = new StringBuilder();
        t.append("rawcache as a fraction of its limit and of the best peer at ").append(Units.size(size))
            .append(":\n\n");
        t.append("| rawcache | figure | value | limit | ÷ limit | best peer | ÷ best peer |\n");
        t.append("|---|---|---:|---|---:|---|---:|\n");
        boolean any = false;
        for (final TrialResult r : rows)
        {
            if (!r.rawcache() || r.isFailed())
            {
                continue;
            }
            any = true;
            for (final Metric m : Metric.values())
            {
                final double value = m.of(r);
                if (m == Metric.SEND && Double.isNaN(value))
                {
                    continue;
                }
                final Limits.Result limit = limitFor(r, m);
                final double limitValue = limit == null ? Double.NaN : limit.opsPerSecond();
                final TrialResult best = bestPeer(rows, m);
                final double bestValue = best == null ? Double.NaN : m.of(best);
                t.append("| ").append(r.engine()).append(" | ").append(m.label).append(" | ")
                    .append(Units.ops(value)).append(" | ")
                    .append(limit == null ? "—" : limit.name() + " " + Units.ops(limitValue)).append(" | ")
                    .append(Units.ratio(value / limitValue)).append(" | ")
                    .append(best == null ? "—" : best.engine() + " " + Units.ops(bestValue)).append(" | ")
                    .append(Units.ratio(value / bestValue)).append(" |\n");
            }
        }
        return any ? t.toString() : "";
    }

    /** The figures that get ratios. */
    enum Metric
    {
        STORE("store ops/s"),
        LOOKUP1("lookup ops/s, 1 thread"),
        LOOKUP2("lookup ops/s, 2 threads"),
        MIXED("mixed ops/s, 2 threads"),
        SEND("sendfile ops/s, 1 thread");

        final String label;

        Metric(final String label)
        {
            this.label = label;
        }

        double of(final TrialResult r)
        {
            return switch (this)
            {
                case STORE -> r.store().opsPerSecond();
                case LOOKUP1 -> r.lookup1().opsPerSecond();
                case LOOKUP2 -> r.lookup2().opsPerSecond();
                case MIXED -> r.mixed().opsPerSecond();
                case SEND -> r.send().opsPerSecond();
            };
        }
    }

    private Limits.Result limitFor(final TrialResult r, final Metric m)
    {
        final boolean mapped = !r.engine().contains("pread");
        return switch (m)
        {
            case STORE -> limits.find(Limits.PWRITE, r.valueSize(), 1);
            case LOOKUP1 -> limits.find(mapped ? Limits.MMAP_COPY : Limits.PREAD, r.valueSize(), 1);
            case LOOKUP2 -> limits.find(mapped ? Limits.MMAP_COPY : Limits.PREAD, r.valueSize(), 2);
            case MIXED -> null;
            case SEND -> limits.find(Limits.TRANSFER_TO, r.valueSize(), 1);
        };
    }

    private static TrialResult bestPeer(final List<TrialResult> rows, final Metric m)
    {
        TrialResult best = null;
        for (final TrialResult r : rows)
        {
            if (r.rawcache() || r.isFailed() || Double.isNaN(m.of(r)))
            {
                continue;
            }
            if (best == null || m.of(r) > m.of(best))
            {
                best = r;
            }
        }
        return best;
    }

    // ------------------------------------------------------------------------------------------------ CSV

    private String csv()
    {
        final StringBuilder csv = new StringBuilder();
        csv.append("kind,mode,value_size,engine,keys,stored,store_ops_s,store_mb_s,store_p50_us,store_p99_us,")
            .append("store_p999_us,finish_s,lookup1_ops_s,lookup1_mb_s,lookup1_p50_us,lookup1_p99_us,")
            .append("lookup1_p999_us,lookup2_ops_s,lookup2_mb_s,lookup2_p50_us,lookup2_p99_us,lookup2_p999_us,")
            .append("mixed_ops_s,mixed_mb_s,mixed_lookup_p50_us,mixed_lookup_p99_us,mixed_lookup_p999_us,misses,")
            .append("lookup1_cores,lookup2_cores,mixed_cores,")
            .append("store_vs_limit,lookup1_vs_limit,lookup2_vs_limit,store_vs_best_peer,lookup1_vs_best_peer,")
            .append("lookup2_vs_best_peer,mixed_vs_best_peer,send_ops_s,send_mb_s,send_p50_us,send_p99_us,")
            .append("send_p999_us,send_vs_limit,send_vs_best_peer,failure,notes\n");
        for (final List<TrialResult> rows : bySize.values())
        {
            for (final TrialResult r : rows)
            {
                final List<String> cells = new ArrayList<>(List.of("engine", settings.mode(),
                    Integer.toString(r.valueSize()), r.engine(), Integer.toString(r.count()),
                    Integer.toString(r.stored())));
                phase(cells, r.store());
                cells.add(Units.csv(r.finishSeconds()));
                phase(cells, r.lookup1());
                phase(cells, r.lookup2());
                phase(cells, r.mixed());
                cells.add(Long.toString(r.lookup1().misses() + r.lookup2().misses() + r.mixed().misses()));
                cells.add(Units.csv(r.lookup1().cores()));
                cells.add(Units.csv(r.lookup2().cores()));
                cells.add(Units.csv(r.mixed().cores()));
                for (final Metric m : new Metric[]{Metric.STORE, Metric.LOOKUP1, Metric.LOOKUP2})
                {
                    final Limits.Result limit = r.rawcache() ? limitFor(r, m) : null;
                    cells.add(limit == null ? "" : Units.csv(m.of(r) / limit.opsPerSecond()));
                }
                for (final Metric m : new Metric[]{Metric.STORE, Metric.LOOKUP1, Metric.LOOKUP2, Metric.MIXED})
                {
                    final TrialResult best = r.rawcache() ? bestPeer(rows, m) : null;
                    cells.add(best == null ? "" : Units.csv(m.of(r) / m.of(best)));
                }
                phase(cells, r.send());
                final Limits.Result sendLimit = r.rawcache() ? limitFor(r, Metric.SEND) : null;
                cells.add(sendLimit == null || !r.send().ran() ? "" :
                    Units.csv(r.send().opsPerSecond() / sendLimit.opsPerSecond()));
                final TrialResult bestSender = r.rawcache() ? bestPeer(rows, Metric.SEND) : null;
                cells.add(bestSender == null || !r.send().ran() ? "" :
                    Units.csv(r.send().opsPerSecond() / bestSender.send().opsPerSecond()));
                cells.add(r.failure() == null ? "" : r.failure());
                cells.add(String.join("; ", r.notes()));
                csv.append(csvLine(cells));
            }
        }
        for (final Limits.Result l : limits.results())
        {
            if (l.threads() != 1)
            {
                continue;
            }
            final Limits.Result two = limits.find(l.name(), l.valueSize(), 2);
            final List<String> cells = new ArrayList<>(List.of("limit", settings.mode(),
                Integer.toString(l.valueSize()), l.name(), "", ""));
            final boolean write = l.name().equals(Limits.PWRITE);
            cells.addAll(write ? List.of(Units.csv(l.opsPerSecond()), Units.csv(l.bytesPerSecond() / 1e6), "", "",
                "") : List.of("", "", "", "", ""));
            cells.add("");
            cells.addAll(write ? List.of("", "", "", "", "") : List.of(Units.csv(l.opsPerSecond()),
                Units.csv(l.bytesPerSecond() / 1e6), "", "", ""));
            cells.addAll(two == null ? List.of("", "", "", "", "") : List.of(Units.csv(two.opsPerSecond()),
                Units.csv(two.bytesPerSecond() / 1e6), "", "", ""));
            cells.addAll(List.of("", "", "", "", "", ""));
            cells.add(Units.csv(l.cores()));
            cells.add(two == null ? "" : Units.csv(two.cores()));
            while (cells.size() < 47)
            {
                cells.add("");
            }
            csv.append(csvLine(cells));
        }
        return csv.toString();
    }

    private static void phase(final List<String> cells, final PhaseResult p)
    {
        cells.add(Units.csv(p.opsPerSecond()));
        cells.add(Units.csv(p.bytesPerSecond() / 1e6));
        cells.add(Units.csv(p.p50()));
        cells.add(Units.csv(p.p99()));
        cells.add(Units.csv(p.p999()));
    }

    private static String csvLine(final List<String> cells)
    {
        final StringJoiner line = new StringJoiner(",", "", "\n");
        for (final String cell : cells)
        {
            line.add(cell.contains(",") || cell.contains("\"") ? "\"" + cell.replace("\"", "\"\"") + "\"" : cell);
        }
        return line.toString();
    }
}
