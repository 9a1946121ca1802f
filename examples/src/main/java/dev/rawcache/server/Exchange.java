package dev.rawcache.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request and its response on a connection. The response ends with {@link #complete(ChannelFuture,
 * AutoCloseable)}: once its last write has gone out, the body is released, the connection is closed unless it is kept
 * alive, and the connection's handler takes the next request.
 * <p>
 * Thread-safe: a response may be written from a virtual thread while the event loop runs the rest.
 */
final class Exchange
{
    /** How long a closing connection keeps draining a client that is still sending. */
    static final long LINGER_SECONDS = 5;

    private final ChannelHandlerContext ctx;
    private final HttpRequest request;
    private final boolean keepAlive;
    private final Runnable onComplete;
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile boolean forceClose;
    private volatile boolean started;

    Exchange(final ChannelHandlerContext ctx, final HttpRequest request, final Runnable onComplete)
    {
        this.ctx = ctx;
        this.request = request;
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.onComplete = onComplete;
    }

    ChannelHandlerContext ctx()
    {
        return ctx;
    }

    HttpRequest request()
    {
        return request;
    }

    boolean isHead()
    {
        return HttpMethod.HEAD.equals(request.method());
    }

    /**
     * Whether the connection stays open after this response.
     *
     * @return true to keep it alive.
     */
    boolean keepAlive()
    {
        return keepAlive && !forceClose;
    }

    /**
     * Notes that the response has begun (its headers are written or about to be): an error from here on can only
     * cut the connection.
     */
    void start()
    {
        started = true;
    }

    /**
     * Whether the response has begun.
     *
     * @return true once {@link #start()} was called.
     */
    boolean isStarted()
    {
        return started;
    }

    /**
     * Whether the client speaks HTTP/1.1 or later (and so takes a chunked body).
     *
     * @return true for HTTP/1.1.
     */
    boolean isHttp11()
    {
        return request.protocolVersion().minorVersion() >= 1 || request.protocolVersion().majorVersion() > 1;
    }

    /**
     * Closes the connection after this response (an error that leaves the request's body unread, a limit passed).
     */
    void closeAfterResponse()
    {
        forceClose = true;
    }

    /**
     * Ends the response once {@code last} completes.
     *
     * @param last     the future of the response's last write.
     * @param resource what the response held, released then; may be null.
     */
    void complete(final ChannelFuture last, final AutoCloseable resource)
    {
        if (!completed.compareAndSet(false, true))
        {
            return;
        }
        last.addListener((ChannelFutureListener)future ->
        {
            Responses.closeQuietly(resource);
            if (!future.isSuccess())
            {
                future.channel().close();
            }
            else if (!keepAlive())
            {
                lingeringClose(future.channel());
            }
            onComplete.run();
        });
    }

    /**
     * Closes a connection whose client may still be sending (the rest of a refused body): shuts the output down so
     * the client reads the whole response, keeps reading (and dropping) its bytes until it stops or {@link
     * #LINGER_SECONDS} pass, then closes. Closing at once could make the kernel reset the connection over unread
     * bytes, and the client lose the response (nginx's lingering close does the same).
     */
    private static void lingeringClose(final Channel channel)
    {
        if (channel instanceof SocketChannel socket && socket.isActive())
        {
            socket.shutdownOutput().addListener(done -> socket.eventLoop().schedule(() -> socket.close(),
                LINGER_SECONDS, TimeUnit.SECONDS));
            return;
        }
        channel.close();
    }

    /**
     * Ends the response by closing the connection at once: a body that cannot be finished (an origin or writer that
     * failed mid-body), so the client sees a truncated response rather than a short one it could take as whole.
     *
     * @param resource what the response held; may be null.
     */
    void abort(final AutoCloseable resource)
    {
        Responses.closeQuietly(resource);
        if (completed.compareAndSet(false, true))
        {
            ctx.channel().close();
            onComplete.run();
        }
    }
}
