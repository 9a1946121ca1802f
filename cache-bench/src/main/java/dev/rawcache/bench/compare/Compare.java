package dev.rawcache.bench.compare;

import dev.rawcache.bench.BenchSupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The side-by-side comparison of rawcache with its peers (issue 6): same data, same machine, same run, engines
 * alternating, and the machine's limits measured in between.
 * <p>
 * <b>Why not JMH.</b> JMH forks a JVM per benchmark and measures one thing at a time; the comparison needs every
 * engine in one process, run in turn on the same data set right after the limits they are compared with, and per-call
 * latency percentiles. A plain harness does that: {@link Trial} runs one engine through its phases, {@link Limits}
 * measures the floor, {@link Report} writes the tables and plots. The price is the care JMH would take: warm-up is an
 * explicit phase, every lookup's result is checked (so nothing is optimised away), and each engine's trial starts
 * after a GC on fresh files.
 * <p>
 * <b>Order.</b> First every limit, then for each value size (smallest first) each engine in turn, rawcache's three
 * read paths interleaved with the peers. The engine order rotates by one for each value size and each round, so no
 * engine is always first; with several rounds the tables show medians.
 * <p>
 * Run it through {@code cache-bench/compare/run-compare.sh}, which builds the jar, puts the peers on the class path
 * and passes the JVM flags Chronicle Map and rawcache need:
 * <pre>
 * cache-bench/compare/run-compare.sh --quick      # under 10 minutes
 * cache-bench/compare/run-compare.sh              # full: 1 GiB per size, 3 rounds
 * </pre>
 */
public final class Compare
{
    private Compare()
    {
    }

    /**
     * The engines in the order they run in round 0, by name.
     *
     * @return name to factory.
     */
    static Map<String, Supplier<Engine>> engines()
    {
        final Map<String, Supplier<Engine>> engines = new LinkedHashMap<>();
        engines.put("rawcache pread", () -> new RawcacheEngine(RawcacheEngine.ReadPath.PREAD));
        engines.put("Chronicle Map", ChronicleMapEngine::new);
        engines.put("preallocated file", () -> new PreallocatedFileEngine(false));
        engines.put("rawcache mmap", () -> new RawcacheEngine(RawcacheEngine.ReadPath.MMAP));
        engines.put("RocksDB", RocksDbEngine::new);
        engines.put("preallocated file, mmap", () -> new PreallocatedFileEngine(true));
        engines.put("MapDB", MapDbEngine::new);
        engines.put("rawcache zero-copy", () -> new RawcacheEngine(RawcacheEngine.ReadPath.ZERO_COPY));
        engines.put("file per entry", FilePerEntryEngine::new);
        engines.put("Ehcache", EhcacheEngine::new);
        return engines;
    }

    /**
     * Runs the comparison.
     *
     * @param args see {@link Settings#USAGE}.
     * @throws Exception when the run cannot go on (an engine's failure is not one: it is reported in its row).
     */
    public static void main(final String[] args) throws Exception
    {
        final Settings settings;
        try
        {
            settings = Settings.parse(args);
        }
        catch (final IllegalArgumentException e)
        {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        final Progress progress = new Progress(System.out);
        BackgroundFailures.install();
        final Map<String, Supplier<Engine>> engines = selected(settings);
        if (engines.isEmpty())
        {
            System.err.println("no engine matches " + settings.engines() + "; engines: " + engines().keySet());
            System.exit(2);
        }
        Files.createDirectories(settings.dataDirectory());
        final Path root = Files.createTempDirectory(settings.dataDirectory(), "rawcache-compare-");
        final Thread cleanup = new Thread(() -> BenchSupport.deleteRecursively(root), "compare-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Environment environment = Environment.capture(root);

        progress.totalSteps(settings.rounds() * settings.sizes().size() * engines.size());
        progress.line(String.format(Locale.ROOT, "%s mode: engines %s; sizes %s; %s of values per size; %s s " +
                "phases; %d round(s); files in %s", settings.mode(), engines.keySet(),
            settings.sizes().stream().map(Units::size).toList(), Units.bytes(settings.workingSetBytes()),
            Units.seconds(settings.phaseSeconds()), settings.rounds(), root));
        progress.line("machine: " + environment.cpuModel() + ", " + environment.cpus() + " CPUs, " +
            environment.memory() + ", load " + environment.loadBefore() + ", " + environment.fileSystem() + "; " +
            environment.jdk());

        // Every limit first, then the engines back to back: deleting the limit file (and each engine's files) right
        // before the next store phase hands it page-cache memory the VM still backs. After a pause of a few seconds
        // this VM reports freed memory to its host, and the next first touch of it is slow; a store phase right after
        // such a pause ran 3 to 10 times slower than the same store phase later in the run.
        final Limits limits = new Limits(settings.limitSeconds(), progress);
        measureLimits(limits, root, settings);

        final Map<Integer, Map<String, List<TrialResult>>> rounds = new LinkedHashMap<>();
        final List<Path> deferred = new ArrayList<>();
        final List<String> names = new ArrayList<>(engines.keySet());
        for (int round = 0; round < settings.rounds(); round++)
        {
            for (int sizeIndex = 0; sizeIndex < settings.sizes().size(); sizeIndex++)
            {
                final int size = settings.sizes().get(sizeIndex);
                final DataSet data = new DataSet(size, settings.workingSetBytes(), settings.seed());
                final Trial trial = new Trial(settings, data, progress);
                for (int k = 0; k < names.size(); k++)
                {
                    // The order rotates by round and by size, so no engine is always first or last.
                    final String name = names.get((k + round + sizeIndex) % names.size());
                    System.gc();
                    final Path directory = Files.createDirectory(root.resolve(String.format(Locale.ROOT,
                        "r%d-%d-%s", round, size, name.replace(' ', '-').toLowerCase(Locale.ROOT))));
                    TrialResult result;
                    Engine engine = null;
                    try
                    {
                        engine = engines.get(name).get();
                        result = trial.run(engine, directory);
                    }
                    catch (final Throwable t)
                    {
                        // Class loading failures (a peer missing from the class path) land here.
                        result = TrialResult.failed(name, engine == null ? "" : engine.settings(),
                            name.startsWith("rawcache"), size, data.count(), Trial.describe(t));
                        progress.line(String.format("%-7s %-17s FAILED: %s", Units.size(size), name,
                            result.failure()));
                    }
                    rounds.computeIfAbsent(size, s -> new LinkedHashMap<>())
                        .computeIfAbsent(name, n -> new ArrayList<>()).add(result);
                    if (name.equals("file per entry"))
                    {
                        deferred.add(directory);
                    }
                    else
                    {
                        BenchSupport.deleteRecursively(directory);
                    }
                    progress.stepDone();
                }
            }
        }
        // Again at the end: a limit is the best the machine did, and the other work sharing it comes and goes.
        measureLimits(limits, root, settings);
        progress.line("deleting the file-per-entry directories (" + deferred.size() + ")");
        deferred.forEach(BenchSupport::deleteRecursively);

        final Map<Integer, List<TrialResult>> bySize = new LinkedHashMap<>();
        rounds.forEach((size, byEngine) ->
        {
            final List<TrialResult> rows = new ArrayList<>();
            for (final String name : names)
            {
                if (byEngine.containsKey(name))
                {
                    rows.add(TrialResult.median(byEngine.get(name)));
                }
            }
            bySize.put(size, rows);
        });
        environment = environment.finished();
        final List<Path> written = new Report(settings, environment, limits, bySize, progress.elapsedSeconds())
            .write();
        BenchSupport.deleteRecursively(root);
        Runtime.getRuntime().removeShutdownHook(cleanup);
        progress.line("wrote " + written);
        // An engine's own threads (or one abandoned as hung) must not keep the JVM alive.
        System.exit(0);
    }

    private static void measureLimits(final Limits limits, final Path root, final Settings settings)
        throws Exception
    {
        limits.createFile(root, Math.max(64L << 20, settings.workingSetBytes()));
        limits.measureGlobal();
        for (final int size : settings.sizes())
        {
            limits.measureSize(size);
        }
        limits.deleteFile();
    }

    private static Map<String, Supplier<Engine>> selected(final Settings settings)
    {
        final Map<String, Supplier<Engine>> all = engines();
        if (settings.engines().isEmpty())
        {
            return all;
        }
        final Map<String, Supplier<Engine>> chosen = new LinkedHashMap<>();
        all.forEach((name, factory) ->
        {
            for (final String wanted : settings.engines())
            {
                if (name.toLowerCase(Locale.ROOT).contains(wanted.strip()))
                {
                    chosen.put(name, factory);
                }
            }
        });
        return chosen;
    }
}
