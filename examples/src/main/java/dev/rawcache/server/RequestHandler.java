package dev.rawcache.server;

import dev.rawcache.RawDiskCache;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * One connection's requests, in order: routes each to its endpoint, feeds a {@code PUT}'s body to its upload, and
 * holds back pipelined requests while a response is still being produced on another thread.
 * <p>
 * Limits: a request line or header section over its limit is answered 414 or 431, a malformed request (or one framed
 * ambiguously: {@code Transfer-Encoding} with {@code Content-Length}, or not ending in {@code chunked}) 400, and the
 * connection closed; a client that stops sending mid-request gets 408; one that stops reading its response is cut
 * off. Nothing after a request that asked to close the connection is processed. None of these touches a cached
 * entry: an upload cut short or malformed stores nothing.
 * <p>
 * Not thread-safe: runs on its connection's event loop.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter
{
    private final Routes routes;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private ObjectEndpoint.Upload upload;
    /** A response is being produced (the exchange has not completed). */
    private boolean busy;
    /** The current request's body is still arriving, after it was dispatched (read and dropped). */
    private boolean inBody;
    /** Bytes arrived since the last complete request: a half-sent header if no request is in progress. */
    private boolean bytesSinceLastRequest;
    /** A request asked to close the connection (or an error did): later requests are dropped unanswered. */
    private boolean lastRequestSeen;

    RequestHandler(final Routes routes)
    {
        this.routes = routes;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
    }

    /**
     * Notes that bytes arrived (called by the byte watcher in front of the HTTP decoder), so an idle timeout can tell
     * a half-sent request (408) from an idle keep-alive connection (closed quietly).
     */
    void bytesArrived()
    {
        bytesSinceLastRequest = true;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (mustHold(msg) || !held.isEmpty())
        {
            // A pipelined request while the previous response is still being produced: answer it afterwards.
            held.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        process(msg);
    }

    private boolean mustHold(final Object msg)
    {
        return busy && upload == null && msg instanceof HttpRequest;
    }

    private void process(final Object msg)
    {
        try
        {
            if (msg instanceof HttpRequest request)
            {
                if (lastRequestSeen || ctx.channel() instanceof SocketChannel socket && socket.isOutputShutdown())
                {
                    inBody = !(msg instanceof LastHttpContent);
                    return;
                }
                onRequest(request);
            }
            if (msg instanceof HttpContent content)
            {
                onContent(content);
            }
        }
        finally
        {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(final HttpRequest request)
    {
        busy = true;
        inBody = true;
        final Exchange exchange = new Exchange(ctx, request, this::responseDone);
        if (!exchange.keepAlive())
        {
            lastRequestSeen = true;
        }
        routes.metrics().request();
        if (request.decoderResult().isFailure())
        {
            final Throwable cause = request.decoderResult().cause();
            final HttpResponseStatus status = cause instanceof TooLongHttpLineException ?
                HttpResponseStatus.REQUEST_URI_TOO_LONG : cause instanceof TooLongHttpHeaderException ||
                cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE :
                HttpResponseStatus.BAD_REQUEST;
            refuse(exchange, status, cause == null ? "malformed request" : cause.getMessage());
            return;
        }
        final String framing = framingProblem(request);
        if (framing != null)
        {
            refuse(exchange, HttpResponseStatus.BAD_REQUEST, framing);
            return;
        }
        final String path;
        try
        {
            path = new QueryStringDecoder(request.uri()).path();
        }
        catch (final IllegalArgumentException e)
        {
            refuse(exchange, HttpResponseStatus.BAD_REQUEST, "bad percent-encoding in the path");
            return;
        }
        if (path.startsWith("/objects/"))
        {
            final String name = path.substring("/objects/".length());
            final int keyBytes = (ObjectEndpoint.KEY_PREFIX + name).getBytes(StandardCharsets.UTF_8).length;
            if (keyBytes > RawDiskCache.MAX_KEY_BYTES)
            {
                refuse(exchange, HttpResponseStatus.REQUEST_URI_TOO_LONG, "object name of " + keyBytes +
                    " bytes is longer than the limit of " + (RawDiskCache.MAX_KEY_BYTES -
                    ObjectEndpoint.KEY_PREFIX.length()) + " bytes");
                return;
            }
            if (HttpMethod.PUT.equals(request.method()))
            {
                if (name.isEmpty())
                {
                    refuse(exchange, HttpResponseStatus.BAD_REQUEST, "no object name");
                    return;
                }
                upload = routes.objects().startUpload(exchange, name);
                if (upload == null)
                {
                    lastRequestSeen = true;   // Refused before its body: the body is not read.
                }
                return;
            }
        }
        routes.route(exchange, path, request.uri());
    }

    /** RFC 9112 section 6.1 and 6.3: request framing a server must refuse. */
    private static String framingProblem(final HttpRequest request)
    {
        final HttpHeaders headers = request.headers();
        if (ServerCodec.hadAmbiguousFraming(request))
        {
            return "a request with both Transfer-Encoding and Content-Length is refused (RFC 9112 section 6.1)";
        }
        final String transferEncoding = headers.get(HttpHeaderNames.TRANSFER_ENCODING);
        if (transferEncoding == null)
        {
            return null;
        }
        if (headers.contains(HttpHeaderNames.CONTENT_LENGTH))
        {
            return "a request with both Transfer-Encoding and Content-Length is refused (RFC 9112 section 6.1)";
        }
        if (!transferEncoding.trim().toLowerCase(Locale.ROOT).endsWith("chunked"))
        {
            return "Transfer-Encoding '" + transferEncoding + "' does not end in chunked (RFC 9112 section 6.3)";
        }
        return null;
    }

    /** Answers with an error and closes the connection after it, without reading the rest of the request. */
    private void refuse(final Exchange exchange, final HttpResponseStatus status, final String message)
    {
        lastRequestSeen = true;
        exchange.closeAfterResponse();
        routes.responses().sendStatus(exchange, status, message);
    }

    private void onContent(final HttpContent content)
    {
        if (upload != null)
        {
            if (content.decoderResult().isFailure())
            {
                // A malformed body (a bad chunk): nothing is stored, the old object stays.
                final ObjectEndpoint.Upload failed = upload;
                upload = null;
                lastRequestSeen = true;
                failed.reject(HttpResponseStatus.BAD_REQUEST, "malformed request body: " +
                    content.decoderResult().cause());
                return;
            }
            upload.write(content.content());
        }
        if (content instanceof LastHttpContent)
        {
            inBody = false;
            bytesSinceLastRequest = false;
            if (upload != null)
            {
                final ObjectEndpoint.Upload finished = upload;
                upload = null;
                finished.finish();
            }
        }
    }

    /** Called once a response has been written out (on the event loop or from a virtual thread). */
    private void responseDone()
    {
        if (!ctx.executor().inEventLoop())
        {
            ctx.executor().execute(this::responseDone);
            return;
        }
        busy = false;
        while (!held.isEmpty() && !mustHold(held.peek()))
        {
            process(held.poll());
        }
        if (held.isEmpty() && ctx.channel().isActive())
        {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt) throws Exception
    {
        if (evt instanceof IdleStateEvent idle)
        {
            if (idle.state() == IdleState.READER_IDLE)
            {
                onReaderIdle();
            }
            else if (idle.state() == IdleState.WRITER_IDLE && hasPendingOutput())
            {
                // The client stopped taking its response: nothing went out for a whole timeout.
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void onReaderIdle()
    {
        final boolean halfUpload = upload != null && !upload.failed();
        final boolean halfHeader = !busy && !inBody && bytesSinceLastRequest;
        if (halfUpload || halfHeader)
        {
            // The client stopped mid-request, before any answer: 408, and a half upload stores nothing.
            if (upload != null)
            {
                upload.abort();
                upload = null;
            }
            lastRequestSeen = true;
            routes.metrics().request();
            final Exchange exchange = new Exchange(ctx, new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                "/"), () -> { });
            exchange.closeAfterResponse();
            routes.responses().sendStatus(exchange, HttpResponseStatus.REQUEST_TIMEOUT,
                "the request was not completed within " + routes.options().idleTimeout());
        }
        else if (!busy)
        {
            // Idle between requests, or the rest of an answered request's body never came: close quietly.
            ctx.close();
        }
    }

    private boolean hasPendingOutput()
    {
        final ChannelOutboundBuffer pending = ctx.channel().unsafe().outboundBuffer();
        return pending != null && pending.totalPendingWriteBytes() > 0;
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        if (upload != null)
        {
            upload.abort();
            upload = null;
        }
        while (!held.isEmpty())
        {
            ReferenceCountUtil.release(held.poll());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        if (upload != null)
        {
            upload.abort();
            upload = null;
        }
        ctx.close();
    }
}
