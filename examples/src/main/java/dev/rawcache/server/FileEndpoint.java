package dev.rawcache.server;

import dev.rawcache.io.files.FileAccessException;
import dev.rawcache.io.files.MappedFile;
import dev.rawcache.io.files.MappedFileCache;
import dev.rawcache.server.http.MimeTypes;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;

/**
 * {@code GET}/{@code HEAD /files/{path}}: static files from a directory through the shared {@link MappedFileCache},
 * so a burst of requests for one file shares one mapping. A path that escapes the directory ({@code ..}, a symlink
 * out of it) is refused with 403, a missing file is 404, and a directory 403; none is ever served.
 * <p>
 * Thread-safe.
 */
final class FileEndpoint
{
    private final MappedFileCache files;
    private final Responses responses;
    private final ServerMetrics metrics;

    FileEndpoint(final MappedFileCache files, final Responses responses, final ServerMetrics metrics)
    {
        this.files = files;
        this.responses = responses;
        this.metrics = metrics;
    }

    /**
     * Serves a file.
     *
     * @param exchange the exchange.
     * @param path     the path under the directory, decoded.
     */
    void handle(final Exchange exchange, final String path)
    {
        final HttpMethod method = exchange.request().method();
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method))
        {
            responses.methodNotAllowed(exchange, "GET, HEAD");
            return;
        }
        metrics.fileRequest();
        final MappedFile file;
        try
        {
            file = files.acquire(path);
        }
        catch (final FileAccessException e)
        {
            final HttpResponseStatus status = switch (e.reason())
            {
                case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
                case NOT_A_REGULAR_FILE, OUTSIDE_ROOT, UNREADABLE -> HttpResponseStatus.FORBIDDEN;
            };
            responses.sendStatus(exchange, status, e.getMessage());
            return;
        }
        catch (final RuntimeException e)
        {
            // A mapping that failed, a cache being closed: an answer rather than a dropped connection.
            responses.sendStatus(exchange, HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot read /files/" + path);
            return;
        }
        final String name = path.substring(path.lastIndexOf('/') + 1);
        responses.send(exchange, new Representation(new MappedFileBody(file), "\"" + file.fileKey() + "\"",
            file.lastModifiedMillis(), MimeTypes.forFileName(name), List.of(), null));
    }
}
