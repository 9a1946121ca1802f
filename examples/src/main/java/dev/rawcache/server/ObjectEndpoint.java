package dev.rawcache.server;

import dev.rawcache.EntryReader;
import dev.rawcache.EntryWriter;
import dev.rawcache.RawDiskCache;
import dev.rawcache.WriteOptions;
import dev.rawcache.io.CacheIoException;
import dev.rawcache.server.http.CacheControl;
import dev.rawcache.server.http.HttpDates;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The object store: {@code PUT /objects/{key}} streams the request body into an {@link EntryWriter} chunk by chunk
 * (never holding the whole body), {@code GET}/{@code HEAD} serve it, {@code DELETE} purges it. The stored metadata
 * is the object's {@code Content-Type}, a fresh strong {@code ETag} and the upload time as {@code Last-Modified};
 * a {@code Cache-Control: max-age=N} on the {@code PUT} sets the object's time to live.
 * <p>
 * Thread-safe; uploads run on their connection's event loop (writes go to the page cache).
 */
final class ObjectEndpoint
{
    /** The prefix of object keys in the cache, apart from proxied ones. */
    static final String KEY_PREFIX = "o:";

    private final RawDiskCache cache;
    private final Responses responses;
    private final FollowingSender following;
    private final ServerMetrics metrics;
    private final ExecutorService blocking;
    private final long maxBodyBytes;
    private final long regionThreshold;
    private final AtomicLong versions = new AtomicLong();

    ObjectEndpoint(final RawDiskCache cache, final Responses responses, final FollowingSender following,
                   final ServerMetrics metrics, final ExecutorService blocking, final long maxBodyBytes)
    {
        this.cache = cache;
        this.responses = responses;
        this.following = following;
        this.metrics = metrics;
        this.blocking = blocking;
        this.maxBodyBytes = maxBodyBytes;
        this.regionThreshold = Math.max(1, cache.config().mmapThreshold());
    }

    /**
     * Handles a request for an object other than a {@code PUT}.
     *
     * @param exchange the exchange.
     * @param name     the object's name (decoded).
     * @return false when the response continues on another thread.
     */
    boolean handle(final Exchange exchange, final String name)
    {
        final HttpMethod method = exchange.request().method();
        final String key = KEY_PREFIX + name;
        if (HttpMethod.DELETE.equals(method))
        {
            if (cache.purge(key))
            {
                responses.sendText(exchange, HttpResponseStatus.NO_CONTENT, "text/plain", "", null);
            }
            else
            {
                responses.sendStatus(exchange, HttpResponseStatus.NOT_FOUND, "no object " + name);
            }
            return true;
        }
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method))
        {
            responses.methodNotAllowed(exchange, "GET, HEAD, PUT, DELETE");
            return true;
        }
        final EntryReader reader = cache.openReader(key);
        if (reader == null)
        {
            responses.sendStatus(exchange, HttpResponseStatus.NOT_FOUND, "no object " + name);
            return true;
        }
        final StoredHeaders stored;
        try
        {
            stored = StoredHeaders.decode(reader.metadata());
        }
        catch (final RuntimeException e)
        {
            reader.close();
            responses.sendStatus(exchange, HttpResponseStatus.NOT_FOUND, "no object " + name);
            return true;
        }
        if (reader.isFollowing())
        {
            blocking.execute(() -> following.send(exchange, reader, stored, "HIT"));
            return false;
        }
        responses.send(exchange, stored.representation(new EntryBody(reader, regionThreshold, metrics), "HIT"));
        return true;
    }

    /**
     * Starts a {@code PUT}: checks the declared length against the limits and opens the writer.
     *
     * @param exchange the exchange.
     * @param name     the object's name (decoded).
     * @return the upload to feed the body to, or null when the request was answered (refused).
     */
    Upload startUpload(final Exchange exchange, final String name)
    {
        final HttpHeaders in = exchange.request().headers();
        final long declared = HttpUtil.getContentLength(exchange.request(), -1L);
        if (declared > maxBodyBytes)
        {
            responses.sendStatus(exchange, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body of " + declared +
                " bytes is larger than the limit of " + maxBodyBytes + " bytes");
            return null;
        }
        final long now = System.currentTimeMillis();
        final List<Map.Entry<String, String>> headers = new ArrayList<>(4);
        final String type = in.get(HttpHeaderNames.CONTENT_TYPE);
        headers.add(Map.entry("Content-Type", type != null ? type : "application/octet-stream"));
        headers.add(Map.entry("ETag", "\"" + Long.toHexString(now) + "-" + Long.toHexString(
            versions.incrementAndGet()) + "\""));
        headers.add(Map.entry("Last-Modified", HttpDates.format(now)));
        WriteOptions options = WriteOptions.defaults();
        final CacheControl cc = CacheControl.parse(in.get(HttpHeaderNames.CACHE_CONTROL));
        if (cc.maxAgeSeconds() > 0)
        {
            options = options.withTtl(Duration.ofSeconds(cc.maxAgeSeconds()));
            headers.add(Map.entry("Cache-Control", "max-age=" + cc.maxAgeSeconds()));
        }
        if (declared >= 0)
        {
            options = options.withDeclaredLength(declared);
        }
        final EntryWriter writer;
        try
        {
            writer = cache.openWriter(KEY_PREFIX + name, new StoredHeaders(200, headers).encode(), options);
        }
        catch (final IllegalArgumentException e)
        {
            responses.sendStatus(exchange, e.getMessage() != null && e.getMessage().contains("bytes") &&
                declared >= 0 ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                e.getMessage());
            return null;
        }
        catch (final CacheIoException e)
        {
            responses.sendStatus(exchange, HttpResponseStatus.INSUFFICIENT_STORAGE, e.getMessage());
            return null;
        }
        if (HttpUtil.is100ContinueExpected(exchange.request()))
        {
            exchange.ctx().writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.CONTINUE));
        }
        return new Upload(exchange, name, writer, headers.get(1).getValue());
    }

    /**
     * A {@code PUT} body on its way into the cache.
     * <p>
     * Not thread-safe: fed on its connection's event loop.
     */
    final class Upload
    {
        private final Exchange exchange;
        private final String name;
        private final EntryWriter writer;
        private final String etag;
        private long received;
        private boolean failed;

        private Upload(final Exchange exchange, final String name, final EntryWriter writer, final String etag)
        {
            this.exchange = exchange;
            this.name = name;
            this.writer = writer;
            this.etag = etag;
        }

        /**
         * Writes a chunk of the body.
         *
         * @param content the chunk; not released here.
         */
        void write(final ByteBuf content)
        {
            if (failed || !content.isReadable())
            {
                return;
            }
            received += content.readableBytes();
            if (received > maxBodyBytes)
            {
                fail(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body of more than " + maxBodyBytes +
                    " bytes is larger than the limit of " + maxBodyBytes + " bytes");
                return;
            }
            try
            {
                for (final java.nio.ByteBuffer chunk : content.nioBuffers())
                {
                    writer.write(chunk);
                }
            }
            catch (final IllegalArgumentException | IllegalStateException e)
            {
                fail(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, e.getMessage());
            }
            catch (final CacheIoException e)
            {
                fail(e.reason() == CacheIoException.Reason.NO_SPACE ? HttpResponseStatus.INSUFFICIENT_STORAGE :
                    HttpResponseStatus.INTERNAL_SERVER_ERROR, e.getMessage());
            }
        }

        /**
         * Ends the body: commits the object and answers {@code 201 Created}.
         */
        void finish()
        {
            if (failed)
            {
                return;
            }
            try
            {
                writer.commit();
            }
            catch (final IllegalArgumentException | IllegalStateException e)
            {
                fail(HttpResponseStatus.BAD_REQUEST, e.getMessage());
                return;
            }
            catch (final CacheIoException e)
            {
                fail(e.reason() == CacheIoException.Reason.NO_SPACE ? HttpResponseStatus.INSUFFICIENT_STORAGE :
                    HttpResponseStatus.INTERNAL_SERVER_ERROR, e.getMessage());
                return;
            }
            metrics.upload(received);
            responses.sendText(exchange, HttpResponseStatus.CREATED, "text/plain; charset=utf-8",
                "stored " + name + " (" + received + " bytes)\n", List.of(Map.entry("ETag", etag),
                    Map.entry("Location", "/objects/" + name)));
        }

        /**
         * Whether the upload failed and was answered; the rest of the body is then discarded.
         *
         * @return true after a failure.
         */
        boolean failed()
        {
            return failed;
        }

        /**
         * Refuses the rest of the upload (a malformed body) with an error; nothing is stored, the old object stays.
         *
         * @param status  the status.
         * @param message the explanation.
         */
        void reject(final HttpResponseStatus status, final String message)
        {
            if (!failed)
            {
                fail(status, message);
            }
        }

        /**
         * Abandons the upload (the connection closed mid-body): nothing is stored, the old object stays.
         */
        void abort()
        {
            writer.abort();
        }

        private void fail(final HttpResponseStatus status, final String message)
        {
            failed = true;
            writer.abort();
            exchange.closeAfterResponse();
            responses.sendStatus(exchange, status, message);
        }
    }
}
