package dev.rawcache.server;

import dev.rawcache.CacheStats;
import dev.rawcache.RawDiskCache;

import java.lang.reflect.RecordComponent;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's own counters (requests, responses by status class, cache outcomes, origin fetches, bytes), and their
 * rendering together with the cache's statistics as JSON ({@code GET /stats}) and in Prometheus' text format
 * ({@code GET /metrics}).
 * <p>
 * Thread-safe.
 */
final class ServerMetrics
{
    private final LongAdder requests = new LongAdder();
    private final LongAdder[] responsesByClass = {new LongAdder(), new LongAdder(), new LongAdder(),
        new LongAdder(), new LongAdder()};
    private final LongAdder bodyBytes = new LongAdder();
    private final LongAdder bodyFailures = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder staleServed = new LongAdder();
    private final LongAdder revalidated = new LongAdder();
    private final LongAdder originRequests = new LongAdder();
    private final LongAdder originErrors = new LongAdder();
    private final LongAdder uploads = new LongAdder();
    private final LongAdder uploadBytes = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder fileRequests = new LongAdder();
    private final LongAdder sendfileBytes = new LongAdder();
    private final LongAdder copiedBytes = new LongAdder();

    void request()
    {
        requests.increment();
    }

    void response(final int status)
    {
        final int index = status / 100 - 1;
        if (index >= 0 && index < responsesByClass.length)
        {
            responsesByClass[index].increment();
        }
        if (status >= 400)
        {
            rejected.increment();
        }
    }

    void bodyBytes(final long bytes)
    {
        bodyBytes.add(bytes);
    }

    void bodyFailure()
    {
        bodyFailures.increment();
    }

    void hit()
    {
        hits.increment();
    }

    void miss()
    {
        misses.increment();
    }

    void stale()
    {
        staleServed.increment();
    }

    void revalidated()
    {
        revalidated.increment();
    }

    void originRequest()
    {
        originRequests.increment();
    }

    void originError()
    {
        originErrors.increment();
    }

    void upload(final long bytes)
    {
        uploads.increment();
        uploadBytes.add(bytes);
    }

    void fileRequest()
    {
        fileRequests.increment();
    }

    void sendfileBytes(final long bytes)
    {
        sendfileBytes.add(bytes);
    }

    void copiedBytes(final long bytes)
    {
        copiedBytes.add(bytes);
    }

    /**
     * Bytes of cache entries queued as {@code sendfile} regions.
     *
     * @return the count.
     */
    long sendfileBytes()
    {
        return sendfileBytes.sum();
    }

    /**
     * Bytes of cache entries read into buffers.
     *
     * @return the count.
     */
    long copiedBytes()
    {
        return copiedBytes.sum();
    }

    /**
     * How many requests went to the origin.
     *
     * @return the count.
     */
    long originRequests()
    {
        return originRequests.sum();
    }

    private long[] serverValues()
    {
        return new long[]{requests.sum(), responsesByClass[0].sum(), responsesByClass[1].sum(),
            responsesByClass[2].sum(), responsesByClass[3].sum(), responsesByClass[4].sum(), bodyBytes.sum(),
            bodyFailures.sum(), hits.sum(), misses.sum(), staleServed.sum(), revalidated.sum(), originRequests.sum(),
            originErrors.sum(), uploads.sum(), uploadBytes.sum(), fileRequests.sum(), sendfileBytes.sum(),
            copiedBytes.sum()};
    }

    private static final String[] SERVER_NAMES = {"requests", "responses_1xx", "responses_2xx", "responses_3xx",
        "responses_4xx", "responses_5xx", "body_bytes", "body_failures", "proxy_hits", "proxy_misses",
        "proxy_stale_served", "proxy_revalidated", "origin_requests", "origin_errors", "uploads", "upload_bytes",
        "file_requests", "entry_sendfile_bytes", "entry_copied_bytes"};

    /**
     * The cache's statistics and the server's counters as one JSON object.
     *
     * @param cache the cache.
     * @return the JSON text.
     */
    String json(final RawDiskCache cache)
    {
        final StringBuilder out = new StringBuilder(1024).append("{\"cache\":{");
        final CacheStats stats = cache.stats();
        final RecordComponent[] components = CacheStats.class.getRecordComponents();
        for (int i = 0; i < components.length; i++)
        {
            out.append(i == 0 ? "" : ",").append('"').append(snake(components[i].getName())).append("\":")
                .append(value(components[i], stats));
        }
        out.append("},\"server\":{");
        final long[] values = serverValues();
        for (int i = 0; i < values.length; i++)
        {
            out.append(i == 0 ? "" : ",").append('"').append(SERVER_NAMES[i]).append("\":").append(values[i]);
        }
        return out.append("}}\n").toString();
    }

    /**
     * The cache's statistics and the server's counters in Prometheus' text exposition format.
     *
     * @param cache the cache.
     * @return the text.
     */
    String prometheus(final RawDiskCache cache)
    {
        final StringBuilder out = new StringBuilder(4096);
        final CacheStats stats = cache.stats();
        for (final RecordComponent component : CacheStats.class.getRecordComponents())
        {
            final String name = "rawcache_" + snake(component.getName());
            final boolean gauge = isGauge(component.getName());
            final String metric = gauge ? name : name + "_total";
            out.append("# HELP ").append(metric).append(" rawcache cache statistic ").append(component.getName())
                .append('\n').append("# TYPE ").append(metric).append(gauge ? " gauge\n" : " counter\n")
                .append(metric).append(' ').append(value(component, stats)).append('\n');
        }
        final long[] values = serverValues();
        for (int i = 0; i < values.length; i++)
        {
            final String metric = "rawcache_server_" + SERVER_NAMES[i] + "_total";
            out.append("# HELP ").append(metric).append(" rawcache server counter ").append(SERVER_NAMES[i])
                .append('\n').append("# TYPE ").append(metric).append(" counter\n")
                .append(metric).append(' ').append(values[i]).append('\n');
        }
        return out.toString();
    }

    private static boolean isGauge(final String name)
    {
        return name.equals("entries") || name.equals("usedBlocks") || name.equals("freeBlocks") ||
            name.equals("checkpointBlocks") || name.equals("recoveredEntries");
    }

    private static long value(final RecordComponent component, final CacheStats stats)
    {
        try
        {
            return ((Number)component.getAccessor().invoke(stats)).longValue();
        }
        catch (final ReflectiveOperationException e)
        {
            throw new IllegalStateException("cannot read statistic " + component.getName(), e);
        }
    }

    private static String snake(final String camel)
    {
        final StringBuilder out = new StringBuilder(camel.length() + 8);
        for (int i = 0; i < camel.length(); i++)
        {
            final char c = camel.charAt(i);
            if (Character.isUpperCase(c))
            {
                out.append('_').append(Character.toLowerCase(c));
            }
            else
            {
                out.append(c);
            }
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }
}
