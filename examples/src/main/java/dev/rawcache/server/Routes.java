package dev.rawcache.server;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;


/**
 * The server's paths: {@code /objects/}, {@code /files/}, {@code /stats}, {@code /metrics}, and everything else to
 * the origin when there is one.
 * <p>
 * Thread-safe.
 *
 * @param options   the server's options.
 * @param responses the response writer.
 * @param metrics   the server's counters.
 * @param objects   the object store.
 * @param files     the static files, or null without {@code --files}.
 * @param proxy     the reverse proxy, or null without {@code --origin}.
 * @param stats     renders {@code /stats} and {@code /metrics}.
 */
record Routes(ServerOptions options, Responses responses, ServerMetrics metrics, ObjectEndpoint objects,
              FileEndpoint files, ProxyEndpoint proxy, StatsEndpoint stats)
{
    /**
     * Routes a request other than an object {@code PUT}.
     *
     * @param exchange the exchange.
     * @param path     the decoded path.
     * @param target   the request target as sent (path and query).
     */
    void route(final Exchange exchange, final String path, final String target)
    {
        if (path.startsWith("/objects/"))
        {
            final String name = path.substring("/objects/".length());
            if (name.isEmpty())
            {
                responses.sendStatus(exchange, HttpResponseStatus.NOT_FOUND, "no object name");
                return;
            }
            objects.handle(exchange, name);
            return;
        }
        if (path.equals("/files") || path.startsWith("/files/"))
        {
            if (files == null)
            {
                responses.sendStatus(exchange, HttpResponseStatus.NOT_FOUND, "static files are not served (start " +
                    "the server with --files DIR)");
                return;
            }
            files.handle(exchange, path.length() > "/files/".length() ? path.substring("/files/".length()) : "");
            return;
        }
        if (path.equals("/stats") || path.equals("/metrics"))
        {
            final HttpMethod method = exchange.request().method();
            if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method))
            {
                responses.methodNotAllowed(exchange, "GET, HEAD");
                return;
            }
            stats.handle(exchange, path.equals("/stats"));
            return;
        }
        if (proxy != null)
        {
            proxy.handle(exchange, target);
            return;
        }
        responses.sendStatus(exchange, HttpResponseStatus.NOT_FOUND, "no such path (paths: /objects/{key}, " +
            "/files/{path}, /stats, /metrics; others only with --origin)");
    }
}
