package dev.rawcache.server;

import dev.rawcache.EntryReader;
import dev.rawcache.EntryWriter;
import dev.rawcache.FillPermit;
import dev.rawcache.Freshness;
import dev.rawcache.RawDiskCache;
import dev.rawcache.WriteOptions;
import dev.rawcache.io.CacheIoException;
import dev.rawcache.server.http.CacheControl;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The reverse proxy: every path outside the server's own is fetched from the origin and cached, keyed by path and
 * query.
 * <ul>
 * <li><b>Hit</b> (fresh entry): served from the cache, ranges and conditionals included ({@code X-Cache: HIT}).</li>
 * <li><b>Miss</b>: the request takes the key's fill lock, so of N concurrent misses exactly one goes to the origin.
 * The filler opens an {@link EntryWriter} with the response headers as metadata, releases the lock, and pumps the
 * origin's body into the cache; its own client and every waiting one read it back with a following reader as it lands
 * ({@code X-Cache: MISS} for the filler, {@code HIT} for the others).</li>
 * <li><b>Freshness</b> from {@code Cache-Control} ({@code max-age}, {@code s-maxage}, {@code no-cache},
 * {@code stale-while-revalidate}, {@code stale-if-error}) and {@code Expires}/{@code Date}/{@code Age};
 * {@code no-store}, {@code private}, {@code Set-Cookie} and {@code Vary: *} responses are passed through, not
 * stored. An entry with validators is kept past its freshness for revalidation.</li>
 * <li><b>Stale</b>: within stale-while-revalidate it is served at once ({@code X-Cache: STALE}) and revalidated in
 * the background; after that it is revalidated first with {@code If-None-Match}/{@code If-Modified-Since}. A
 * {@code 304} only updates the metadata ({@code X-Cache: REVALIDATED}); an origin error within stale-if-error serves
 * the stale copy.</li>
 * </ul>
 * Only {@code GET} and {@code HEAD} are proxied (a {@code HEAD} miss fills with a {@code GET}, as nginx does); other
 * methods get 405. Requests carrying {@code Authorization} are passed through uncached (RFC 9111 section 3.5).
 * Everything blocking (the fill lock, the origin, following readers) runs on virtual threads.
 * <p>
 * Thread-safe.
 */
final class ProxyEndpoint
{
    /** The prefix of proxied keys in the cache, apart from objects. */
    static final String KEY_PREFIX = "p:";
    /** How long an entry with validators is kept past its freshness, for a cheap revalidation. */
    static final Duration REVALIDATION_WINDOW = Duration.ofHours(1);

    private static final int CHUNK = 64 * 1024;
    /** How long a key whose response could not be stored is passed straight through (hit-for-pass). */
    private static final Duration PASS_FOR = Duration.ofSeconds(30);
    private static final int MAX_PASS_KEYS = 100_000;
    private static final List<String> FORWARDED = List.of("Accept", "Accept-Language", "User-Agent");

    private final RawDiskCache cache;
    private final String originBase;
    private final String originAuthority;
    private final HttpClient client;
    private final Responses responses;
    private final FollowingSender following;
    private final ServerMetrics metrics;
    private final ExecutorService blocking;
    private final ServerOptions options;
    private final long regionThreshold;
    private final Set<String> revalidating = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Long> passUntil = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().daemon().name("rawcache-origin-watchdog").factory());

    ProxyEndpoint(final RawDiskCache cache, final URI origin, final HttpClient client, final Responses responses,
                  final FollowingSender following, final ServerMetrics metrics, final ExecutorService blocking,
                  final ServerOptions options)
    {
        this.cache = cache;
        this.originAuthority = origin.getRawAuthority();
        this.originBase = origin.getScheme() + "://" + originAuthority;
        this.client = client;
        this.responses = responses;
        this.following = following;
        this.metrics = metrics;
        this.blocking = blocking;
        this.options = options;
        this.regionThreshold = Math.max(1, cache.config().mmapThreshold());
    }

    /**
     * Proxies a request; the response continues on a virtual thread.
     *
     * @param exchange the exchange.
     * @param target   the request's path and query, as sent.
     * @return false when the response continues on another thread.
     */
    boolean handle(final Exchange exchange, final String target)
    {
        final HttpMethod method = exchange.request().method();
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method))
        {
            responses.methodNotAllowed(exchange, "GET, HEAD");
            return true;
        }
        final String originForm = originForm(target);
        if (originForm == null)
        {
            responses.sendStatus(exchange, HttpResponseStatus.BAD_REQUEST, "the request target must be a path " +
                "starting with a single /");
            return true;
        }
        final URI uri;
        try
        {
            uri = URI.create(originBase + originForm);
        }
        catch (final IllegalArgumentException e)
        {
            responses.sendStatus(exchange, HttpResponseStatus.BAD_REQUEST, "request target is not a valid URI");
            return true;
        }
        if (!originAuthority.equals(uri.getRawAuthority()))
        {
            responses.sendStatus(exchange, HttpResponseStatus.BAD_REQUEST, "the request target leaves the origin");
            return true;
        }
        blocking.execute(() -> serve(exchange, originForm, uri));
        return false;
    }

    /**
     * The origin form ({@code /path?query}) of a request target: itself when it starts with one {@code /}; the path
     * and query of an absolute-form target (RFC 9112 section 3.2.2); null for anything else, which could name another
     * host once glued to the origin.
     */
    static String originForm(final String target)
    {
        String t = target;
        if (t.regionMatches(true, 0, "http://", 0, 7))
        {
            try
            {
                final URI absolute = new URI(t);
                t = (absolute.getRawPath() == null || absolute.getRawPath().isEmpty() ? "/" : absolute.getRawPath()) +
                    (absolute.getRawQuery() != null ? "?" + absolute.getRawQuery() : "");
            }
            catch (final java.net.URISyntaxException e)
            {
                return null;
            }
        }
        if (!t.startsWith("/") || t.startsWith("//"))
        {
            return null;
        }
        for (int i = 0; i < t.length(); i++)
        {
            final char c = t.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '\\' || c == '#')
            {
                return null;
            }
        }
        return t;
    }

    private void serve(final Exchange exchange, final String target, final URI uri)
    {
        final String key = KEY_PREFIX + target;
        try
        {
            if (exchange.request().headers().contains(HttpHeaderNames.AUTHORIZATION) ||
                key.length() > RawDiskCache.MAX_KEY_BYTES / 4 || isPass(key))
            {
                passThrough(exchange, fetch(exchange, uri, null));
                return;
            }
            for (int attempt = 0; attempt < 8; attempt++)
            {
                final EntryReader reader = cache.openReader(key);
                if (reader != null)
                {
                    if (serveCached(exchange, key, uri, reader))
                    {
                        return;
                    }
                    continue;
                }
                final FillPermit permit = cache.lockForFill(key, options.fillTimeout());
                if (!permit.isWriter() || cache.contains(key))
                {
                    // Filled meanwhile (or being filled by a writer we can follow): look again.
                    permit.close();
                    if (isPass(key))
                    {
                        break;
                    }
                    continue;
                }
                metrics.miss();
                fill(exchange, key, uri, permit, null);
                return;
            }
            // Not cacheable, or the key kept changing under us: answer from the origin without the cache.
            passThrough(exchange, fetch(exchange, uri, null));
        }
        catch (final HttpTimeoutException e)
        {
            metrics.originError();
            answerError(exchange, HttpResponseStatus.GATEWAY_TIMEOUT, "the origin did not answer within " +
                options.originTimeout());
        }
        catch (final IOException | RuntimeException e)
        {
            metrics.originError();
            answerError(exchange, HttpResponseStatus.BAD_GATEWAY, "the origin failed (" +
                e.getClass().getSimpleName() + ")");
        }
        catch (final InterruptedException e)
        {
            exchange.abort(null);
        }
    }

    /** An error status for a request not answered yet; a connection already answering is cut instead. */
    private void answerError(final Exchange exchange, final HttpResponseStatus status, final String message)
    {
        if (exchange.isStarted())
        {
            exchange.abort(null);
            return;
        }
        onLoop(exchange, () -> responses.sendStatus(exchange, status, message));
    }

    /**
     * Serves an entry the cache has, revalidating it first when it is stale. Closes the reader unless a response took
     * it.
     *
     * @return false to look the key up again (the entry was unusable, or another request revalidated it).
     */
    private boolean serveCached(final Exchange exchange, final String key, final URI uri, final EntryReader reader)
        throws IOException, InterruptedException
    {
        boolean handedOver = false;
        FillPermit permit = null;
        try
        {
            final StoredHeaders stored;
            try
            {
                stored = StoredHeaders.decode(reader.metadata());
            }
            catch (final RuntimeException e)
            {
                cache.purge(key);
                return false;
            }
            if (reader.isFollowing())
            {
                metrics.hit();
                handedOver = true;
                following.send(exchange, reader, stored, "HIT");
                return true;
            }
            final Freshness.State state = reader.freshness().state(System.currentTimeMillis());
            if (state == Freshness.State.FRESH)
            {
                metrics.hit();
                handedOver = true;
                sendEntry(exchange, reader, stored, "HIT");
                return true;
            }
            if (followRefill(exchange, key))
            {
                return true;
            }
            if (state == Freshness.State.STALE_WHILE_REVALIDATE && staleWindowAllows(reader, stored, true))
            {
                metrics.stale();
                handedOver = true;
                sendEntry(exchange, reader, stored, "STALE");
                if (revalidating.add(key))
                {
                    blocking.execute(() -> revalidateInBackground(key, uri));
                }
                return true;
            }
            permit = cache.lockForFill(key, options.fillTimeout());
            if (!permit.isWriter() || refreshedMeanwhile(key))
            {
                // Another request revalidated or refilled it meanwhile, or is refilling it: look again (and follow
                // the refill, or hit the new entry).
                return false;
            }
            final HttpResponse<InputStream> response;
            try
            {
                response = fetch(exchange, uri, stored);
            }
            catch (final IOException e)
            {
                metrics.originError();
                if (staleWindowAllows(reader, stored, false))
                {
                    metrics.stale();
                    handedOver = true;
                    sendEntry(exchange, reader, stored, "STALE");
                    return true;
                }
                throw e;
            }
            if (response.statusCode() == 304 || response.statusCode() >= 500 &&
                staleWindowAllows(reader, stored, false))
            {
                final boolean notModified = response.statusCode() == 304;
                StoredHeaders served = stored;
                try
                {
                    drain(response);
                    if (notModified)
                    {
                        served = stored.updatedBy(StoredHeaders.of(304, headersOf(response)));
                        final WriteOptions renewed = writeOptions(served, -1);
                        if (renewed == null || !cache.updateMetadata(key, served.encode(), renewed))
                        {
                            cache.purge(key);
                        }
                        metrics.revalidated();
                    }
                }
                catch (final IOException | RuntimeException e)
                {
                    // A body that fails to drain, headers too large to store: the cached copy is still good to send.
                    metrics.originError();
                }
                if (!notModified)
                {
                    metrics.stale();
                }
                handedOver = true;
                sendEntry(exchange, reader, served, notModified ? "REVALIDATED" : "STALE");
                return true;
            }
            reader.close();
            handedOver = true;
            final FillPermit held = permit;
            permit = null;
            fill(exchange, key, uri, held, response);
            return true;
        }
        finally
        {
            if (permit != null)
            {
                permit.close();
            }
            if (!handedOver)
            {
                reader.close();
            }
        }
    }

    /** Whether the key's entry is fresh now (another request refilled or revalidated it since we looked). */
    private boolean refreshedMeanwhile(final String key)
    {
        try (EntryReader now = cache.openReader(key))
        {
            return now != null && !now.isFollowing() &&
                now.freshness().state(System.currentTimeMillis()) == Freshness.State.FRESH;
        }
    }

    /** Follows a refill of the key in progress, if there is one: the new body rather than the stale one. */
    private boolean followRefill(final Exchange exchange, final String key)
    {
        final EntryReader refill = cache.openFollower(key);
        if (refill == null)
        {
            return false;
        }
        final StoredHeaders stored;
        try
        {
            stored = StoredHeaders.decode(refill.metadata());
        }
        catch (final RuntimeException e)
        {
            refill.close();
            return false;
        }
        metrics.hit();
        following.send(exchange, refill, stored, "HIT");
        return true;
    }

    private void revalidateInBackground(final String key, final URI uri)
    {
        try (FillPermit permit = cache.lockForFill(key, options.fillTimeout()))
        {
            if (!permit.isWriter())
            {
                return;
            }
            final StoredHeaders stored;
            try (EntryReader reader = cache.openReader(key))
            {
                if (reader == null || reader.isFollowing() ||
                    reader.freshness().state(System.currentTimeMillis()) == Freshness.State.FRESH)
                {
                    return;
                }
                stored = StoredHeaders.decode(reader.metadata());
            }
            final HttpResponse<InputStream> response = fetch(null, uri, stored);
            if (response.statusCode() == 304)
            {
                drain(response);
                final StoredHeaders merged = stored.updatedBy(StoredHeaders.of(304, headersOf(response)));
                final WriteOptions renewed = writeOptions(merged, -1);
                if (renewed != null && cache.updateMetadata(key, merged.encode(), renewed))
                {
                    metrics.revalidated();
                }
                return;
            }
            if (response.statusCode() != 200 || !store(null, key, response, null))
            {
                drain(response);
            }
        }
        catch (final IOException | RuntimeException e)
        {
            metrics.originError();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            revalidating.remove(key);
        }
    }

    /**
     * The filler's path: fetches (unless a response is given), stores a storable response while the client follows
     * it, passes anything else through. Closes the permit.
     */
    private void fill(final Exchange exchange, final String key, final URI uri, final FillPermit permit,
                      final HttpResponse<InputStream> given) throws IOException, InterruptedException
    {
        final HttpResponse<InputStream> response;
        try
        {
            response = given != null ? given : fetch(exchange, uri, null);
        }
        catch (final IOException | RuntimeException | InterruptedException e)
        {
            permit.close();
            throw e;
        }
        if (!store(exchange, key, response, permit))
        {
            passThrough(exchange, response);
        }
    }

    /**
     * Stores a response while {@code exchange}'s client (if any) follows it. Closes the permit once the writer is
     * open, so waiting requests follow the writer too.
     *
     * @return false when the response is not storable (the permit is closed, the body untouched; the key is
     * remembered as one to pass through for a while, so later requests skip the fill lock).
     */
    private boolean store(final Exchange exchange, final String key, final HttpResponse<InputStream> response,
                          final FillPermit permit)
    {
        final EntryWriter writer;
        final EntryReader follower;
        final StoredHeaders stored;
        try
        {
            stored = StoredHeaders.of(response.statusCode(), headersOf(response));
            final long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1L);
            final WriteOptions writeOptions = response.statusCode() == 200 &&
                response.headers().firstValue("Set-Cookie").isEmpty() && !"*".equals(stored.first("Vary")) ?
                writeOptions(stored, declared) : null;
            EntryWriter opened = null;
            if (writeOptions != null)
            {
                try
                {
                    opened = cache.openWriter(key, stored.encode(), writeOptions);
                }
                catch (final IllegalArgumentException | CacheIoException e)
                {
                    opened = null;   // Too large, headers too large, or no room: pass it through instead.
                }
            }
            if (opened == null)
            {
                markPass(key);
                return false;
            }
            writer = opened;
            follower = exchange != null ? writer.follow() : null;
        }
        finally
        {
            if (permit != null)
            {
                permit.close();
            }
        }
        if (follower != null)
        {
            blocking.execute(() -> following.send(exchange, follower, stored, "MISS"));
        }
        else if (exchange != null)
        {
            // The writer ended before it could be followed (the cache is closing): the client still gets an answer.
            answerError(exchange, HttpResponseStatus.BAD_GATEWAY, "the response could not be stored and followed");
        }
        try (InputStream body = response.body(); EntryWriter w = writer; OriginWatch watch = new OriginWatch())
        {
            final byte[] chunk = new byte[CHUNK];
            int n;
            while ((n = body.read(chunk)) >= 0)
            {
                watch.progress();
                try
                {
                    w.write(ByteBuffer.wrap(chunk, 0, n));
                }
                catch (final IllegalArgumentException | IllegalStateException | CacheIoException e)
                {
                    // The cache refused the body (larger than it may hold, no room): the fill's clients are cut,
                    // and the key is passed through from now on.
                    markPass(key);
                    return true;
                }
            }
            w.commit();
        }
        catch (final IOException | RuntimeException e)
        {
            // The origin failed or stalled mid-body: the writer aborts on close, its followers see an error and
            // their connections are cut, so no client takes a short body as whole.
            metrics.originError();
        }
        return true;
    }

    /** Streams an origin response to the client without storing it. */
    private void passThrough(final Exchange exchange, final HttpResponse<InputStream> response)
    {
        final Channel channel = exchange.ctx().channel();
        final io.netty.handler.codec.http.HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(response.statusCode()));
        final HttpHeaders headers = out.headers();
        for (final Map.Entry<String, String> h : StoredHeaders.forwardable(headersOf(response)))
        {
            headers.add(h.getKey(), h.getValue());
        }
        final long length = response.headers().firstValueAsLong("Content-Length").orElse(-1L);
        final boolean bodiless = response.statusCode() == 204 || response.statusCode() == 304 ||
            response.statusCode() < 200;
        if (length >= 0)
        {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        else if (!bodiless)
        {
            FollowingSender.unknownLength(exchange, headers);
        }
        headers.set("X-Cache", "MISS");
        Responses.finishHeaders(exchange, out);
        metrics.response(response.statusCode());
        exchange.start();
        exchange.ctx().writeAndFlush(out);
        try (InputStream body = response.body(); OriginWatch watch = new OriginWatch())
        {
            if (!exchange.isHead() && !bodiless)
            {
                final byte[] chunk = new byte[CHUNK];
                int n;
                while (channel.isActive() && (n = body.read(chunk)) >= 0)
                {
                    watch.progress();
                    final ByteBuf buf = channel.alloc().buffer(n).writeBytes(chunk, 0, n);
                    metrics.bodyBytes(n);
                    final ChannelFuture written = exchange.ctx().writeAndFlush(new DefaultHttpContent(buf));
                    if (!channel.isWritable())
                    {
                        written.awaitUninterruptibly();
                    }
                }
            }
        }
        catch (final IOException e)
        {
            metrics.originError();
            exchange.abort(null);
            return;
        }
        exchange.complete(exchange.ctx().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), null);
    }

    private boolean isPass(final String key)
    {
        final Long until = passUntil.get(key);
        if (until == null)
        {
            return false;
        }
        if (until < System.nanoTime())
        {
            passUntil.remove(key, until);
            return false;
        }
        return true;
    }

    private void markPass(final String key)
    {
        if (passUntil.size() > MAX_PASS_KEYS)
        {
            passUntil.clear();
        }
        passUntil.put(key, System.nanoTime() + PASS_FOR.toNanos());
    }

    /**
     * Cuts an origin body read that makes no progress for the origin timeout (the client's timeout only covers the
     * response headers): interrupts the reading thread, whose read then fails, so the writer aborts and its
     * followers are released instead of waiting for ever.
     */
    private final class OriginWatch implements AutoCloseable
    {
        private final Thread reader = Thread.currentThread();
        private final long timeoutNanos = options.originTimeout().toNanos();
        private final ScheduledFuture<?> check;
        private volatile long lastProgress = System.nanoTime();
        private boolean done;
        private boolean fired;

        OriginWatch()
        {
            final long period = Math.max(10, Math.min(1000, options.originTimeout().toMillis() / 4));
            check = watchdog.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
        }

        void progress()
        {
            lastProgress = System.nanoTime();
        }

        private synchronized void check()
        {
            if (!done && System.nanoTime() - lastProgress > timeoutNanos)
            {
                fired = true;
                done = true;
                reader.interrupt();
                check.cancel(false);
            }
        }

        @Override
        public void close()
        {
            check.cancel(false);
            synchronized (this)
            {
                done = true;
                if (fired)
                {
                    Thread.interrupted();
                }
            }
        }
    }

    private HttpResponse<InputStream> fetch(final Exchange exchange, final URI uri, final StoredHeaders validators)
        throws IOException, InterruptedException
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(options.originTimeout()).GET()
            .header("Via", "1.1 rawcache");
        if (exchange != null)
        {
            final HttpHeaders in = exchange.request().headers();
            for (final String name : FORWARDED)
            {
                final String value = in.get(name);
                if (value != null)
                {
                    request.header(name, value);
                }
            }
            final String authorization = in.get(HttpHeaderNames.AUTHORIZATION);
            if (authorization != null)
            {
                request.header("Authorization", authorization);
            }
        }
        if (validators != null)
        {
            final String etag = validators.first("ETag");
            final String lastModified = validators.first("Last-Modified");
            if (etag != null)
            {
                request.header("If-None-Match", etag);
            }
            if (lastModified != null)
            {
                request.header("If-Modified-Since", lastModified);
            }
        }
        metrics.originRequest();
        return client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /**
     * How long a response may be kept, from its headers; null when it must not be stored.
     *
     * @param stored   the response's headers.
     * @param declared its body length, or -1.
     */
    private static WriteOptions writeOptions(final StoredHeaders stored, final long declared)
    {
        final CacheControl.Freshness f = CacheControl.freshness(CacheControl.parse(stored.joined("Cache-Control")),
            stored.first("Expires"), stored.first("Date"), stored.first("Age"), System.currentTimeMillis(), 0);
        if (!f.storable())
        {
            return null;
        }
        final boolean validators = stored.first("ETag") != null || stored.first("Last-Modified") != null;
        if (f.freshForMillis() <= 0 && !validators)
        {
            return null;   // Stale at once and impossible to revalidate: storing it would serve nothing.
        }
        final long keep = validators ? Math.max(f.staleIfErrorMillis(), REVALIDATION_WINDOW.toMillis()) :
            f.staleIfErrorMillis();
        WriteOptions options = WriteOptions.defaults().withFreshness(Duration.ofMillis(Math.max(1,
            f.freshForMillis())), f.staleWhileRevalidateMillis() > 0 ?
            Duration.ofMillis(f.staleWhileRevalidateMillis()) : null, keep > 0 ? Duration.ofMillis(keep) : null);
        if (declared >= 0)
        {
            options = options.withDeclaredLength(declared);
        }
        return options;
    }

    /**
     * Whether a stale entry may still be served: within the response's own stale-while-revalidate (for a
     * background revalidation) or stale-if-error window (when the origin fails). The entry itself may live longer,
     * kept for revalidation.
     */
    private static boolean staleWindowAllows(final EntryReader reader, final StoredHeaders stored,
                                             final boolean whileRevalidating)
    {
        final CacheControl cc = CacheControl.parse(stored.joined("Cache-Control"));
        final long seconds = whileRevalidating ? cc.staleWhileRevalidateSeconds() : cc.staleIfErrorSeconds();
        if (seconds <= 0 || cc.mustRevalidate())
        {
            return false;
        }
        final long freshUntil = reader.freshness().freshUntilMillis();
        return System.currentTimeMillis() <= freshUntil + seconds * 1000;
    }

    private void sendEntry(final Exchange exchange, final EntryReader reader, final StoredHeaders stored,
                           final String cacheStatus)
    {
        // On the event loop: the body's reads and its sendfile transfers then never overlap.
        exchange.start();
        onLoop(exchange, () ->
        {
            try
            {
                responses.send(exchange, stored.representation(new EntryBody(reader, regionThreshold, metrics),
                    cacheStatus));
            }
            catch (final RuntimeException e)
            {
                metrics.bodyFailure();
                exchange.abort(reader);
            }
        });
    }

    private static void onLoop(final Exchange exchange, final Runnable task)
    {
        try
        {
            exchange.ctx().executor().execute(task);
        }
        catch (final java.util.concurrent.RejectedExecutionException e)
        {
            // The server is shutting down: the connection goes with it.
            exchange.abort(null);
        }
    }

    /**
     * Stops the origin watchdog.
     */
    void close()
    {
        watchdog.shutdownNow();
    }

    private static List<Map.Entry<String, String>> headersOf(final HttpResponse<?> response)
    {
        final List<Map.Entry<String, String>> out = new ArrayList<>();
        response.headers().map().forEach((name, values) ->
        {
            if (!name.startsWith(":"))
            {
                values.forEach(v -> out.add(Map.entry(name, v)));
            }
        });
        return out;
    }

    private static void drain(final HttpResponse<InputStream> response) throws IOException
    {
        try (InputStream body = response.body())
        {
            body.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }
}
