package dev.rawcache.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * One connection's requests, in order: routes each to its endpoint, feeds a {@code PUT}'s body to its upload, and
 * holds back pipelined requests while a response is still being produced on another thread.
 * <p>
 * Limits: a request line or header section over its limit is answered 414 or 431, a malformed request 400, and the
 * connection closed; a client that stops sending mid-request gets 408; one that stops reading its response is cut
 * off. None of these touches a cached entry: an upload cut short stores nothing.
 * <p>
 * Not thread-safe: runs on its connection's event loop.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter
{
    private final Routes routes;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private ObjectEndpoint.Upload upload;
    private boolean busy;
    private boolean discardingBody;
    private boolean requestStarted;
    private boolean bytesSinceLastRequest;
    private ChannelHandlerContext ctx;

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
        if (busy && upload == null && !discardingBody)
        {
            // A pipelined request while the previous response is still being produced: answer it afterwards.
            held.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        try
        {
            if (msg instanceof HttpRequest request)
            {
                onRequest(ctx, request);
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

    private void onRequest(final ChannelHandlerContext ctx, final HttpRequest request)
    {
        requestStarted = true;
        busy = true;
        final Exchange exchange = new Exchange(ctx, request, this::responseDone);
        routes.metrics().request();
        if (request.decoderResult().isFailure())
        {
            final Throwable cause = request.decoderResult().cause();
            final HttpResponseStatus status = cause instanceof TooLongHttpLineException ?
                HttpResponseStatus.REQUEST_URI_TOO_LONG : cause instanceof TooLongHttpHeaderException ?
                HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : cause instanceof TooLongFrameException ?
                HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST;
            discardingBody = true;
            exchange.closeAfterResponse();
            routes.responses().sendStatus(exchange, status, cause == null ? "malformed request" :
                cause.getMessage());
            return;
        }
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final String path;
        try
        {
            path = uri.path();
        }
        catch (final IllegalArgumentException e)
        {
            discardingBody = true;
            routes.responses().sendStatus(exchange, HttpResponseStatus.BAD_REQUEST, "bad percent-encoding in " +
                "the path");
            return;
        }
        if (HttpMethod.PUT.equals(request.method()) && path.startsWith("/objects/"))
        {
            final String name = path.substring("/objects/".length());
            if (name.isEmpty())
            {
                discardingBody = true;
                routes.responses().sendStatus(exchange, HttpResponseStatus.BAD_REQUEST, "no object name");
                return;
            }
            upload = routes.objects().startUpload(exchange, name);
            discardingBody = upload == null;
            return;
        }
        discardingBody = true;
        routes.route(exchange, path, request.uri());
    }

    private void onContent(final HttpContent content)
    {
        final ByteBuf bytes = content.content();
        if (upload != null)
        {
            upload.write(bytes);
        }
        if (content instanceof LastHttpContent)
        {
            requestStarted = false;
            bytesSinceLastRequest = false;
            discardingBody = false;
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
        busy = upload != null;
        if (busy)
        {
            return;
        }
        while (!busy && !held.isEmpty())
        {
            channelRead(ctx, held.poll());
        }
        if (!busy && ctx.channel().isActive())
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
                if (upload != null || !busy && (requestStarted || bytesSinceLastRequest))
                {
                    // The client stopped mid-request.
                    if (upload != null)
                    {
                        upload.abort();
                        upload = null;
                    }
                    routes.metrics().request();
                    final Exchange exchange = new Exchange(ctx, timeoutRequest(), () -> { });
                    exchange.closeAfterResponse();
                    routes.responses().sendStatus(exchange, HttpResponseStatus.REQUEST_TIMEOUT,
                        "the request was not completed within " + routes.options().idleTimeout());
                }
                else if (!busy)
                {
                    ctx.close();
                }
            }
            else if (idle.state() == IdleState.WRITER_IDLE && hasPendingOutput(ctx))
            {
                // The client stopped taking its response: nothing went out for a whole timeout.
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private static boolean hasPendingOutput(final ChannelHandlerContext ctx)
    {
        final ChannelOutboundBuffer pending = ctx.channel().unsafe().outboundBuffer();
        return pending != null && pending.totalPendingWriteBytes() > 0;
    }

    private static HttpRequest timeoutRequest()
    {
        return new io.netty.handler.codec.http.DefaultHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
            HttpMethod.GET, "/");
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
