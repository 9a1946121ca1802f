package dev.rawcache.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Netty's server codec with one change: a request that carries both {@code Transfer-Encoding: chunked} and
 * {@code Content-Length} is marked (header {@link #AMBIGUOUS_FRAMING}) rather than silently reframed, so the server
 * can refuse it and close the connection, as RFC 9112 section 6.1 requires of a message that may be smuggling a
 * request. Like {@code HttpServerCodec}, the encoder knows which responses answer a {@code HEAD} and sends no body
 * for them.
 * <p>
 * Not thread-safe: one per connection.
 */
final class ServerCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder>
{
    /** The header the decoder adds to a request it received with both framings. */
    static final String AMBIGUOUS_FRAMING = "x-rawcache-ambiguous-framing";

    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>();

    ServerCodec(final HttpDecoderConfig config)
    {
        init(new Decoder(config), new Encoder());
    }

    private final class Decoder extends HttpRequestDecoder
    {
        Decoder(final HttpDecoderConfig config)
        {
            super(config);
        }

        @Override
        protected void decode(final ChannelHandlerContext ctx, final io.netty.buffer.ByteBuf buffer,
                              final List<Object> out) throws Exception
        {
            final int before = out.size();
            super.decode(ctx, buffer, out);
            for (int i = before; i < out.size(); i++)
            {
                if (out.get(i) instanceof HttpRequest request)
                {
                    methods.add(request.method());
                }
            }
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(final HttpMessage message)
        {
            message.headers().set(AMBIGUOUS_FRAMING, "1");
            super.handleTransferEncodingChunkedWithContentLength(message);
        }
    }

    private final class Encoder extends HttpResponseEncoder
    {
        private HttpMethod method;

        @Override
        protected boolean isContentAlwaysEmpty(final HttpResponse msg)
        {
            if (msg.status().codeClass() != HttpStatusClass.INFORMATIONAL)
            {
                method = methods.poll();
            }
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }

    /**
     * Whether a request came with both framings.
     *
     * @param request the request.
     * @return true when {@code Transfer-Encoding} and {@code Content-Length} were both present.
     */
    static boolean hadAmbiguousFraming(final HttpRequest request)
    {
        return request.headers().contains(AMBIGUOUS_FRAMING);
    }
}
