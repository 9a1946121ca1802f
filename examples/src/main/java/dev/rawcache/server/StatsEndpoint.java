package dev.rawcache.server;

import dev.rawcache.RawDiskCache;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;
import java.util.Map;

/**
 * {@code GET /stats} (JSON) and {@code GET /metrics} (Prometheus text format): the cache's statistics and the
 * server's counters, never cached by clients.
 * <p>
 * Thread-safe.
 */
final class StatsEndpoint
{
    private final RawDiskCache cache;
    private final ServerMetrics metrics;
    private final Responses responses;

    StatsEndpoint(final RawDiskCache cache, final ServerMetrics metrics, final Responses responses)
    {
        this.cache = cache;
        this.metrics = metrics;
        this.responses = responses;
    }

    /**
     * Answers with the statistics.
     *
     * @param exchange the exchange.
     * @param json     true for {@code /stats}, false for {@code /metrics}.
     */
    void handle(final Exchange exchange, final boolean json)
    {
        final List<Map.Entry<String, String>> noStore = List.of(Map.entry("Cache-Control", "no-store"));
        if (json)
        {
            responses.sendText(exchange, HttpResponseStatus.OK, "application/json", metrics.json(cache), noStore);
        }
        else
        {
            responses.sendText(exchange, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                metrics.prometheus(cache), noStore);
        }
    }
}
