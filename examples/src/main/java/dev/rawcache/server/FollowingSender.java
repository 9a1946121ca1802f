package dev.rawcache.server;

import dev.rawcache.EntryReader;
import dev.rawcache.server.http.Preconditions;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.ByteBuffer;

/**
 * Streams a body that is still being written (a reader following a writer: an object being uploaded, a proxied
 * response being filled) to a client as its bytes land. The reader's reads block until bytes arrive, so this runs on
 * a virtual thread, never on an event loop; it waits for the socket to drain before queueing more, so a slow client
 * holds at most a few chunks in memory. Ranges are not served from a body still being written: the response is the
 * whole body (RFC 9110 lets a server ignore {@code Range}), with {@code Content-Length} when the writer declared it
 * and chunked otherwise. If the writer fails, the connection is cut so the client cannot take a short body as whole.
 * <p>
 * Stateless and thread-safe.
 */
final class FollowingSender
{
    private static final int CHUNK = 64 * 1024;

    private final ServerMetrics metrics;
    private final Responses responses;

    FollowingSender(final ServerMetrics metrics, final Responses responses)
    {
        this.metrics = metrics;
        this.responses = responses;
    }

    /**
     * Frames a body of unknown length: chunked for HTTP/1.1, else delimited by closing the connection.
     *
     * @param exchange the exchange.
     * @param headers  the response headers.
     */
    static void unknownLength(final Exchange exchange, final HttpHeaders headers)
    {
        if (exchange.isHttp11())
        {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        else
        {
            exchange.closeAfterResponse();
        }
    }

    /**
     * Sends the reader's whole body; returns when it is sent or the connection is gone. Closes the reader.
     *
     * @param exchange the exchange.
     * @param reader   a following reader.
     * @param stored   the headers stored with the entry.
     * @param cacheStatus the {@code X-Cache} value.
     */
    void send(final Exchange exchange, final EntryReader reader, final StoredHeaders stored, final String cacheStatus)
    {
        final Channel channel = exchange.ctx().channel();
        try
        {
            final HttpHeaders in = exchange.request().headers();
            final Representation validators = stored.representation(null, cacheStatus);
            final Preconditions.Outcome outcome = Preconditions.evaluate(in.get(HttpHeaderNames.IF_MATCH),
                in.get(HttpHeaderNames.IF_UNMODIFIED_SINCE), in.get(HttpHeaderNames.IF_NONE_MATCH),
                in.get(HttpHeaderNames.IF_MODIFIED_SINCE), validators.etag(), validators.lastModifiedMillis(), true);
            if (outcome != Preconditions.Outcome.PROCEED)
            {
                reader.close();
                if (outcome == Preconditions.Outcome.NOT_MODIFIED)
                {
                    final HttpResponse notModified = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
                    Responses.addEntityHeaders(notModified.headers(), validators, false);
                    Responses.finishHeaders(exchange, notModified);
                    metrics.response(304);
                    exchange.complete(exchange.ctx().writeAndFlush(notModified), null);
                }
                else
                {
                    responses.sendStatus(exchange, HttpResponseStatus.PRECONDITION_FAILED, "precondition failed");
                }
                return;
            }
            final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(stored.status()));
            final Representation rep = stored.representation(null, cacheStatus);
            Responses.addEntityHeaders(response.headers(), rep, true);
            // A body still being written cannot be served in ranges yet.
            response.headers().remove(HttpHeaderNames.ACCEPT_RANGES);
            final long size = reader.size();
            if (size >= 0)
            {
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, size);
            }
            else
            {
                unknownLength(exchange, response.headers());
            }
            Responses.finishHeaders(exchange, response);
            metrics.response(response.status().code());
            ChannelFuture last = exchange.ctx().writeAndFlush(response);
            if (!exchange.isHead())
            {
                while (channel.isActive())
                {
                    final ByteBuf buf = channel.alloc().directBuffer(CHUNK);
                    final int n;
                    try
                    {
                        final ByteBuffer dst = buf.nioBuffer(0, CHUNK);
                        n = reader.read(dst);
                    }
                    catch (final RuntimeException e)
                    {
                        buf.release();
                        throw e;
                    }
                    if (n < 0)
                    {
                        buf.release();
                        break;
                    }
                    buf.writerIndex(n);
                    metrics.bodyBytes(n);
                    last = exchange.ctx().writeAndFlush(new DefaultHttpContent(buf));
                    if (!channel.isWritable())
                    {
                        last.awaitUninterruptibly();
                    }
                }
            }
            exchange.complete(exchange.ctx().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), reader);
        }
        catch (final RuntimeException e)
        {
            metrics.bodyFailure();
            exchange.abort(reader);
        }
    }
}
