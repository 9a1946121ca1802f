package dev.rawcache.server;

import dev.rawcache.server.http.ByteRange;
import dev.rawcache.server.http.HttpDates;
import dev.rawcache.server.http.Multipart;
import dev.rawcache.server.http.Preconditions;
import dev.rawcache.server.http.RangeRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Answers a request with a {@link Representation} under HTTP's rules (RFC 9110): conditional requests
 * ({@code If-Match}, {@code If-None-Match}, {@code If-Modified-Since}, {@code If-Unmodified-Since}: 304, 412), ranges
 * (one: 206 with {@code Content-Range}; several: 206 {@code multipart/byteranges}; none satisfiable: 416 with
 * {@code Content-Range: bytes *&#47;size}; malformed or too many: ignored, 200), {@code If-Range}, {@code HEAD}; and
 * with plain status responses for errors.
 * <p>
 * Stateless and thread-safe.
 */
final class Responses
{
    private final int maxRanges;
    private final ServerMetrics metrics;

    /**
     * Responses that honour at most {@code maxRanges} ranges per request.
     *
     * @param maxRanges the most ranges honoured; more are ignored and the whole body sent.
     * @param metrics   where responses are counted.
     */
    Responses(final int maxRanges, final ServerMetrics metrics)
    {
        this.maxRanges = maxRanges;
        this.metrics = metrics;
    }

    /**
     * Sends a representation, honouring the request's preconditions and ranges.
     *
     * @param exchange the exchange.
     * @param rep      the representation; its body is closed when the response ends.
     */
    void send(final Exchange exchange, final Representation rep)
    {
        final HttpRequest request = exchange.request();
        final HttpHeaders in = request.headers();
        final Body body = rep.body();
        final long size = body.size();
        try
        {
            final Preconditions.Outcome outcome = Preconditions.evaluate(in.get(HttpHeaderNames.IF_MATCH),
                in.get(HttpHeaderNames.IF_UNMODIFIED_SINCE), in.get(HttpHeaderNames.IF_NONE_MATCH),
                in.get(HttpHeaderNames.IF_MODIFIED_SINCE), rep.etag(), rep.lastModifiedMillis(), true);
            if (outcome == Preconditions.Outcome.NOT_MODIFIED)
            {
                final HttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.NOT_MODIFIED);
                addEntityHeaders(response.headers(), rep, false);
                finishHeadersOnly(exchange, response, body);
                return;
            }
            if (outcome == Preconditions.Outcome.PRECONDITION_FAILED)
            {
                body.close();
                sendStatus(exchange, HttpResponseStatus.PRECONDITION_FAILED, "precondition failed for " +
                    request.uri());
                return;
            }
            RangeRequest.Result ranges = null;
            final String range = in.get(HttpHeaderNames.RANGE);
            if (range != null && Preconditions.ifRangeAllows(in.get(HttpHeaderNames.IF_RANGE), rep.etag(),
                rep.lastModifiedMillis()))
            {
                ranges = RangeRequest.evaluate(range, size, maxRanges);
            }
            if (ranges instanceof RangeRequest.Unsatisfiable)
            {
                final HttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
                addEntityHeaders(response.headers(), rep, true);
                response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                finishHeadersOnly(exchange, response, body);
                return;
            }
            if (ranges instanceof RangeRequest.Partial partial && partial.ranges().size() == 1)
            {
                final ByteRange r = partial.ranges().getFirst();
                final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.PARTIAL_CONTENT);
                addEntityHeaders(response.headers(), rep, true);
                response.headers().set(HttpHeaderNames.CONTENT_RANGE, r.contentRange(size));
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.length());
                sendBody(exchange, response, body, List.of(r), null, rep.contentType());
                return;
            }
            if (ranges instanceof RangeRequest.Partial partial)
            {
                final String boundary = Multipart.newBoundary();
                final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.PARTIAL_CONTENT);
                addEntityHeaders(response.headers(), rep, true);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, Multipart.contentType(boundary));
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH,
                    Multipart.contentLength(boundary, rep.contentType(), partial.ranges(), size));
                sendBody(exchange, response, body, partial.ranges(), boundary, rep.contentType());
                return;
            }
            final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            addEntityHeaders(response.headers(), rep, true);
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, size);
            sendBody(exchange, response, body, size == 0 ? List.of() : List.of(new ByteRange(0, size - 1)), null,
                rep.contentType());
        }
        catch (final RuntimeException e)
        {
            closeQuietly(body);
            throw e;
        }
    }

    /**
     * Sends a status with a short plain-text explanation.
     *
     * @param exchange the exchange.
     * @param status   the status.
     * @param message  the explanation, one line.
     */
    void sendStatus(final Exchange exchange, final HttpResponseStatus status, final String message)
    {
        sendText(exchange, status, "text/plain; charset=utf-8", status.code() + " " + status.reasonPhrase() + ": " +
            message + "\n", null);
    }

    /**
     * Answers {@code 405 Method Not Allowed} with the methods the path takes.
     *
     * @param exchange the exchange.
     * @param allow    the methods allowed, as the {@code Allow} header lists them.
     */
    void methodNotAllowed(final Exchange exchange, final String allow)
    {
        sendText(exchange, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
            "405 Method Not Allowed: " + exchange.request().method() + " " + exchange.request().uri() +
            " (allowed: " + allow + ")\n", List.of(Map.entry("Allow", allow)));
    }

    /**
     * Sends a small body held in memory.
     *
     * @param exchange    the exchange.
     * @param status      the status.
     * @param contentType the media type.
     * @param text        the body.
     * @param headers     further headers, or null.
     */
    void sendText(final Exchange exchange, final HttpResponseStatus status, final String contentType,
                  final String text, final List<Map.Entry<String, String>> headers)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        final ByteBuf content = exchange.isHead() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        final DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (headers != null)
        {
            headers.forEach(h -> response.headers().add(h.getKey(), h.getValue()));
        }
        final int code = status.code();
        if (code == 400 || code == 408 || code == 413 || code == 414 || code == 431)
        {
            // After these the rest of the request (an unread body, a bad frame) cannot be trusted to frame the next.
            exchange.closeAfterResponse();
        }
        finishHeadersOnly(exchange, response, null);
    }

    private void sendBody(final Exchange exchange, final HttpResponse response, final Body body,
                          final List<ByteRange> ranges, final String boundary, final String contentType)
    {
        final ChannelHandlerContext ctx = exchange.ctx();
        finishHeaders(exchange, response);
        metrics.response(response.status().code());
        ctx.write(response);
        try
        {
            if (!exchange.isHead())
            {
                final long size = body.size();
                for (final ByteRange r : ranges)
                {
                    if (boundary != null)
                    {
                        ctx.write(ascii(Multipart.partHeader(boundary, contentType, r, size)));
                    }
                    body.write(ctx, r.first(), r.last() + 1);
                    metrics.bodyBytes(r.length());
                }
                if (boundary != null)
                {
                    ctx.write(ascii(Multipart.closing(boundary)));
                }
            }
        }
        catch (final RuntimeException e)
        {
            // The headers are out: all that is left is to cut the connection, so the body is not taken as whole.
            metrics.bodyFailure();
            ctx.flush();
            exchange.abort(body);
            return;
        }
        exchange.complete(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), body);
    }

    private void finishHeadersOnly(final Exchange exchange, final HttpResponse response, final Body body)
    {
        finishHeaders(exchange, response);
        metrics.response(response.status().code());
        exchange.complete(exchange.ctx().writeAndFlush(response), body);
    }

    /**
     * Completes a response's headers: {@code Date} (unless passed through from an origin) and
     * {@code Connection: close} when the connection will not be kept alive; and marks the response begun.
     *
     * @param exchange the exchange.
     * @param response the response.
     */
    static void finishHeaders(final Exchange exchange, final HttpResponse response)
    {
        if (!response.headers().contains(HttpHeaderNames.DATE))
        {
            response.headers().set(HttpHeaderNames.DATE, DateHeader.now());
        }
        if (!exchange.keepAlive())
        {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        exchange.start();
    }

    /** The {@code Date} header, formatted once per second. */
    private static final class DateHeader
    {
        private static volatile String text = "";
        private static volatile long second = -1;

        static String now()
        {
            final long now = System.currentTimeMillis();
            if (now / 1000 != second)
            {
                text = HttpDates.format(now);
                second = now / 1000;
            }
            return text;
        }
    }

    /**
     * Adds a representation's validators, type and stored headers, and {@code Accept-Ranges} and {@code X-Cache}.
     *
     * @param headers      the response headers.
     * @param rep          the representation.
     * @param withMetadata whether to add the content type and stored headers too (not for a 304's minimal set).
     */
    static void addEntityHeaders(final HttpHeaders headers, final Representation rep, final boolean withMetadata)
    {
        if (rep.headers() != null)
        {
            for (final Map.Entry<String, String> h : rep.headers())
            {
                if (withMetadata || isNotModifiedHeader(h.getKey()))
                {
                    headers.add(h.getKey(), h.getValue());
                }
            }
        }
        if (rep.etag() != null)
        {
            headers.set(HttpHeaderNames.ETAG, rep.etag());
        }
        if (rep.lastModifiedMillis() >= 0)
        {
            headers.set(HttpHeaderNames.LAST_MODIFIED, HttpDates.format(rep.lastModifiedMillis()));
        }
        if (withMetadata && rep.contentType() != null)
        {
            headers.set(HttpHeaderNames.CONTENT_TYPE, rep.contentType());
        }
        headers.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        if (rep.cacheStatus() != null)
        {
            headers.set("X-Cache", rep.cacheStatus());
        }
    }

    /** Headers a 304 repeats (RFC 9110 section 15.4.5). */
    private static boolean isNotModifiedHeader(final String name)
    {
        return name.equalsIgnoreCase("Cache-Control") || name.equalsIgnoreCase("Expires") ||
            name.equalsIgnoreCase("Vary") || name.equalsIgnoreCase("Content-Location") ||
            name.equalsIgnoreCase("Date");
    }

    private static ByteBuf ascii(final String text)
    {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Closes something, ignoring failures (the response is already on its way).
     *
     * @param resource the resource, or null.
     */
    static void closeQuietly(final AutoCloseable resource)
    {
        if (resource != null)
        {
            try
            {
                resource.close();
            }
            catch (final Exception ignored)
            {
                // Releasing a pin or a mapping does not fail in ways a response can report.
            }
        }
    }
}
