package dev.rawcache.server;

import dev.rawcache.CacheConfig;
import dev.rawcache.RawDiskCache;
import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.file.CacheFile;
import dev.rawcache.io.files.AccessHint;
import dev.rawcache.io.files.MappedFileCache;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A caching HTTP server and reverse proxy on rawcache, on Netty's NIO transport (so a {@code FileChannel.transferTo}
 * from the cache file reaches the socket as {@code sendfile}). Started by
 * {@code ./rawcache serve --port P --cache FILE [--capacity SIZE] [--files DIR] [--origin URL]}:
 * <ul>
 * <li>{@code PUT/GET/HEAD/DELETE /objects/{key}}: an object store ({@link ObjectEndpoint});</li>
 * <li>{@code GET/HEAD /files/{path}}: static files through the shared mapped-file cache ({@link FileEndpoint});</li>
 * <li>{@code GET /stats} (JSON) and {@code GET /metrics} (Prometheus);</li>
 * <li>with {@code --origin}, every other path proxied and cached ({@link ProxyEndpoint}).</li>
 * </ul>
 * Every endpoint honours ranges, conditionals, {@code HEAD} and keep-alive. Event loops do the socket work and serve
 * hits; whatever blocks (the fill lock, the origin, bodies still being written) runs on virtual threads.
 * <p>
 * Thread-safe. {@link #close()} stops accepting, closes the connections and closes the cache durably.
 */
public final class RawCacheServer implements AutoCloseable
{
    private final ServerOptions options;
    private final RawDiskCache cache;
    private final MappedFileCache files;
    private final ExecutorService blocking;
    private final HttpClient client;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final ProxyEndpoint proxy;
    private final ServerMetrics metrics = new ServerMetrics();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;

    private RawCacheServer(final ServerOptions options) throws IOException, InterruptedException
    {
        this.options = options;
        final Path parent = options.cacheFile().toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }
        long capacity = options.capacityBytes();
        if (Files.exists(options.cacheFile()) && capacity == ServerOptions.DEFAULT_CAPACITY)
        {
            // No --capacity: reuse the file at its own size.
            capacity = CacheFile.readSuperblock(options.cacheFile()).fileLength();
        }
        this.cache = RawDiskCache.open(CacheConfig.builder(options.cacheFile()).capacityBytes(capacity)
            .maxObjectBytes(options.maxBodyBytes()).build());
        boolean started = false;
        MappedFileCache mapped = null;
        ExecutorService virtualThreads = null;
        HttpClient httpClient = null;
        EventLoopGroup bossGroup = null;
        EventLoopGroup workerGroup = null;
        ProxyEndpoint proxyEndpoint = null;
        try
        {
            mapped = options.filesRoot() == null ? null : new MappedFileCache(options.filesRoot(),
                options.maxMappedFiles(), AccessHint.WILL_NEED);
            virtualThreads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("rawcache-http-", 0)
                .factory());
            httpClient = options.origin() == null ? null : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(options.originTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).executor(virtualThreads).build();
            final Responses responses = new Responses(options.maxRanges(), metrics);
            final FollowingSender following = new FollowingSender(metrics, responses);
            proxyEndpoint = httpClient == null ? null : new ProxyEndpoint(cache, options.origin(), httpClient,
                responses, following, metrics, virtualThreads, options);
            final Routes routes = new Routes(options, responses, metrics,
                new ObjectEndpoint(cache, responses, following, metrics, virtualThreads, options.maxBodyBytes()),
                mapped == null ? null : new FileEndpoint(mapped, responses, metrics), proxyEndpoint,
                new StatsEndpoint(cache, metrics, responses));
            bossGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            workerGroup = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
            final long idleSeconds = Math.max(1, options.idleTimeout().toSeconds());
            final HttpDecoderConfig decoder = new HttpDecoderConfig().setMaxInitialLineLength(8192)
                .setMaxHeaderSize(options.maxHeaderBytes()).setMaxChunkSize(64 * 1024);
            final ServerBootstrap bootstrap = new ServerBootstrap().group(bossGroup, workerGroup)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel channel)
                    {
                        final RequestHandler handler = new RequestHandler(routes);
                        final ChannelPipeline pipeline = channel.pipeline();
                        pipeline.addLast("bytes", new ByteWatcher(handler));
                        pipeline.addLast("idle", new IdleStateHandler(true, idleSeconds, idleSeconds, 0,
                            TimeUnit.SECONDS));
                        pipeline.addLast("http", new ServerCodec(decoder));
                        pipeline.addLast("requests", handler);
                    }
                });
            this.serverChannel = bootstrap.bind(options.host(), options.port()).sync().channel();
            started = true;
        }
        finally
        {
            if (!started)
            {
                if (workerGroup != null)
                {
                    workerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
                if (bossGroup != null)
                {
                    bossGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
                if (virtualThreads != null)
                {
                    virtualThreads.shutdownNow();
                }
                if (proxyEndpoint != null)
                {
                    proxyEndpoint.close();
                }
                Responses.closeQuietly(mapped);
                cache.close();
            }
        }
        this.files = mapped;
        this.blocking = virtualThreads;
        this.client = httpClient;
        this.boss = bossGroup;
        this.workers = workerGroup;
        this.proxy = proxyEndpoint;
    }

    /**
     * Opens the cache and starts listening.
     *
     * @param options the options.
     * @return the running server.
     * @throws IOException          when the cache file or the static files directory cannot be used.
     * @throws InterruptedException when interrupted while binding.
     * @throws CacheIoException     when the cache file is refused (damaged, foreign, in use, another capacity).
     */
    public static RawCacheServer start(final ServerOptions options) throws IOException, InterruptedException
    {
        return new RawCacheServer(options);
    }

    /**
     * The address clients reach the server at.
     *
     * @return {@code http://host:port/}.
     */
    public URI uri()
    {
        final InetSocketAddress address = (InetSocketAddress)serverChannel.localAddress();
        final String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" :
            address.getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort() + "/");
    }

    /**
     * The cache the server stores into.
     *
     * @return the cache.
     */
    public RawDiskCache cache()
    {
        return cache;
    }

    /**
     * The static files cache.
     *
     * @return the cache, or null when no {@code --files} directory is served.
     */
    public MappedFileCache files()
    {
        return files;
    }

    /**
     * How many requests went to the origin so far.
     *
     * @return the count.
     */
    public long originRequests()
    {
        return metrics.originRequests();
    }

    /**
     * The server's own counters.
     *
     * @return the counters.
     */
    ServerMetrics metrics()
    {
        return metrics;
    }

    /**
     * Waits until the server is closed.
     *
     * @throws InterruptedException when interrupted.
     */
    public void awaitClose() throws InterruptedException
    {
        closed.await();
    }

    /**
     * Stops accepting, closes every connection (uploads in progress store nothing), waits briefly for the threads,
     * and closes the cache durably. Idempotent.
     */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closing)
            {
                return;
            }
            closing = true;
        }
        try
        {
            // Stop accepting, then the threads that produce responses (while the event loops can still take
            // their last writes and completions), then the connections and the loops.
            serverChannel.close().awaitUninterruptibly();
            blocking.shutdownNow();
            try
            {
                blocking.awaitTermination(2, TimeUnit.SECONDS);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            if (proxy != null)
            {
                proxy.close();
            }
            if (client != null)
            {
                client.shutdownNow();
            }
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        finally
        {
            try
            {
                Responses.closeQuietly(files);
                cache.close();
            }
            finally
            {
                closed.countDown();
            }
        }
    }

    /**
     * Runs the server until SIGTERM or Ctrl-C: {@code ./rawcache serve --port P --cache FILE [--capacity SIZE]
     * [--files DIR] [--origin URL]}. Prints the URL it listens on; exits 2 on bad usage, 1 when it cannot start.
     *
     * @param args the command line.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the server until the JVM is asked to stop.
     *
     * @param args the command line.
     * @param out  where the URL is printed.
     * @param err  where errors are printed.
     * @return the exit code.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        for (final String arg : args)
        {
            if (arg.equals("-h") || arg.equals("--help"))
            {
                out.print(ServerOptions.USAGE);
                return 0;
            }
        }
        final ServerOptions options;
        try
        {
            options = ServerOptions.parse(args);
        }
        catch (final IllegalArgumentException e)
        {
            err.println("rawcache serve: " + e.getMessage());
            return 2;
        }
        final RawCacheServer server;
        try
        {
            server = start(options);
        }
        catch (final IOException | CacheIoException | IllegalArgumentException e)
        {
            err.println("rawcache serve: cannot start: " + e.getMessage());
            return 1;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return 1;
        }
        final Thread hook = new Thread(() ->
        {
            server.close();
            err.println("rawcache serve: stopped; cache " + options.cacheFile() + " closed");
        }, "rawcache-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("rawcache serve: listening on " + server.uri() + " (cache " + options.cacheFile() + ", " +
            server.cache().stats().entries() + " entries" + (options.filesRoot() != null ? ", files " +
            options.filesRoot() : "") + (options.origin() != null ? ", origin " + options.origin() : "") + ")");
        out.flush();
        try
        {
            server.awaitClose();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Tells the request handler that bytes arrived, before the HTTP decoder buffers them. */
    private static final class ByteWatcher extends ChannelInboundHandlerAdapter
    {
        private final RequestHandler handler;

        ByteWatcher(final RequestHandler handler)
        {
            this.handler = handler;
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg)
        {
            if (msg instanceof ByteBuf bytes && bytes.isReadable())
            {
                handler.bytesArrived();
            }
            ctx.fireChannelRead(msg);
        }
    }
}
