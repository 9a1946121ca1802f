package dev.rawcache.server;

import dev.rawcache.tools.ByteSize;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The settings of a {@link RawCacheServer}, from its command line:
 * {@code --port P --cache FILE [--capacity SIZE] [--files DIR] [--origin URL]} and the limits.
 * <p>
 * Immutable and thread-safe.
 *
 * @param host              the address to listen on.
 * @param port              the port; 0 picks a free one.
 * @param cacheFile         the cache file.
 * @param capacityBytes     the cache file's size when it is created.
 * @param filesRoot         the directory served under {@code /files/}, or null for none.
 * @param origin            the origin proxied to for every other path, or null for none.
 * @param maxBodyBytes      the largest request body (an object stored by {@code PUT}) accepted.
 * @param maxHeaderBytes    the largest request header section accepted.
 * @param maxRanges         the most ranges of one {@code Range} header honoured; more are ignored (200, whole body).
 * @param idleTimeout       how long a connection may send nothing (mid-request: 408) or take nothing of a response.
 * @param maxMappedFiles    the most static files kept mapped.
 * @param originTimeout     how long to wait for an origin's response headers.
 * @param fillTimeout       how long a request waits for another request filling the same key.
 */
public record ServerOptions(String host, int port, Path cacheFile, long capacityBytes, Path filesRoot, URI origin,
                            long maxBodyBytes, int maxHeaderBytes, int maxRanges, Duration idleTimeout,
                            int maxMappedFiles, Duration originTimeout, Duration fillTimeout)
{
    /** The cache file used when {@code --cache} is not given, under the working directory. */
    public static final Path DEFAULT_CACHE_FILE = Path.of("data", "server.cache");
    /** The cache size used when {@code --capacity} is not given: 1 GiB. */
    public static final long DEFAULT_CAPACITY = 1L << 30;

    /** What {@code ./rawcache serve --help} prints. */
    public static final String USAGE = """
        Usage: ./rawcache serve [--port P] [--cache FILE] [--capacity SIZE] [--files DIR] [--origin URL] [options]

          --port P              port to listen on (default 8080; 0 picks a free one)
          --host ADDR           address to listen on (default 127.0.0.1)
          --cache FILE          cache file (default data/server.cache; created when missing)
          --capacity SIZE       cache file size when it is created, e.g. 512m, 4g (default 1g)
          --files DIR           serve GET /files/{path} from DIR through the shared mapped-file cache
          --origin URL          reverse proxy: every other path is fetched from URL (http://host:port) and cached
          --max-body SIZE       largest PUT body accepted (default: a quarter of the capacity)
          --max-header SIZE     largest request header section accepted (default 16k)
          --max-ranges N        most ranges honoured in one Range header (default 16)
          --idle-timeout SECS   idle connection / slow client timeout (default 30)
          --max-mapped-files N  most static files kept mapped (default 1024)
          -h, --help            show this help
        """;

    /**
     * Checks the settings.
     */
    public ServerOptions
    {
        require(host != null && !host.isBlank(), "--host must not be empty");
        require(port >= 0 && port <= 65535, "--port %d must be between 0 and 65535", port);
        require(cacheFile != null, "--cache must name a file");
        require(capacityBytes >= 1 << 20, "--capacity %d bytes is too small: the minimum is 1 MiB (1048576)",
            capacityBytes);
        require(origin == null || "http".equals(origin.getScheme()) && origin.getHost() != null,
            "--origin %s must be an http://host[:port] URL", origin);
        require(maxBodyBytes > 0, "--max-body %d must be positive", maxBodyBytes);
        require(maxHeaderBytes >= 1024 && maxHeaderBytes <= 1 << 20,
            "--max-header %d must be between 1024 and 1048576 bytes", maxHeaderBytes);
        require(maxRanges >= 1 && maxRanges <= 1024, "--max-ranges %d must be between 1 and 1024", maxRanges);
        require(idleTimeout != null && !idleTimeout.isNegative() && !idleTimeout.isZero(),
            "--idle-timeout %s must be positive", idleTimeout);
        require(maxMappedFiles >= 1, "--max-mapped-files %d must be at least 1", maxMappedFiles);
    }

    /**
     * The defaults for a cache file: port 8080 on loopback, 1 GiB, no files, no origin.
     *
     * @param cacheFile the cache file.
     * @return the options.
     */
    public static ServerOptions defaults(final Path cacheFile)
    {
        return new ServerOptions("127.0.0.1", 8080, cacheFile, DEFAULT_CAPACITY, null, null, DEFAULT_CAPACITY / 4,
            16 * 1024, 16, Duration.ofSeconds(30), 1024, Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /**
     * Parses a command line.
     *
     * @param args the arguments after {@code serve}.
     * @return the options.
     * @throws IllegalArgumentException naming the argument and what it must be, for bad usage.
     */
    public static ServerOptions parse(final String... args)
    {
        String host = "127.0.0.1";
        int port = 8080;
        Path cache = DEFAULT_CACHE_FILE;
        long capacity = DEFAULT_CAPACITY;
        Path files = null;
        URI origin = null;
        long maxBody = -1;
        int maxHeader = 16 * 1024;
        int maxRanges = 16;
        Duration idle = Duration.ofSeconds(30);
        int maxMapped = 1024;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            final String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg)
            {
                case "--host" -> host = need(arg, value);
                case "--port" -> port = parseInt(arg, need(arg, value));
                case "--cache" -> cache = Path.of(need(arg, value));
                case "--capacity" -> capacity = size(arg, need(arg, value));
                case "--files" -> files = Path.of(need(arg, value));
                case "--origin" -> origin = uri(need(arg, value));
                case "--max-body" -> maxBody = size(arg, need(arg, value));
                case "--max-header" -> maxHeader = (int)Math.min(Integer.MAX_VALUE, size(arg, need(arg, value)));
                case "--max-ranges" -> maxRanges = parseInt(arg, need(arg, value));
                case "--idle-timeout" -> idle = Duration.ofSeconds(parseInt(arg, need(arg, value)));
                case "--max-mapped-files" -> maxMapped = parseInt(arg, need(arg, value));
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'\n" + USAGE);
            }
            i++;
        }
        return new ServerOptions(host, port, cache, capacity, files, origin, maxBody < 0 ? capacity / 4 : maxBody,
            maxHeader, maxRanges, idle, maxMapped, Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /**
     * The same options with another port.
     *
     * @param port the port; 0 picks a free one.
     * @return the options.
     */
    public ServerOptions withPort(final int port)
    {
        return new ServerOptions(host, port, cacheFile, capacityBytes, filesRoot, origin, maxBodyBytes,
            maxHeaderBytes, maxRanges, idleTimeout, maxMappedFiles, originTimeout, fillTimeout);
    }

    /**
     * The same options with a static files directory.
     *
     * @param root the directory, or null for none.
     * @return the options.
     */
    public ServerOptions withFiles(final Path root)
    {
        return new ServerOptions(host, port, cacheFile, capacityBytes, root, origin, maxBodyBytes, maxHeaderBytes,
            maxRanges, idleTimeout, maxMappedFiles, originTimeout, fillTimeout);
    }

    /**
     * The same options with an origin.
     *
     * @param origin the origin, or null for none.
     * @return the options.
     */
    public ServerOptions withOrigin(final URI origin)
    {
        return new ServerOptions(host, port, cacheFile, capacityBytes, filesRoot, origin, maxBodyBytes,
            maxHeaderBytes, maxRanges, idleTimeout, maxMappedFiles, originTimeout, fillTimeout);
    }

    /**
     * The same options with other limits.
     *
     * @param maxBodyBytes   the largest request body.
     * @param maxHeaderBytes the largest header section.
     * @param maxRanges      the most ranges honoured.
     * @param idleTimeout    the idle timeout.
     * @return the options.
     */
    public ServerOptions withLimits(final long maxBodyBytes, final int maxHeaderBytes, final int maxRanges,
                                    final Duration idleTimeout)
    {
        return new ServerOptions(host, port, cacheFile, capacityBytes, filesRoot, origin, maxBodyBytes,
            maxHeaderBytes, maxRanges, idleTimeout, maxMappedFiles, originTimeout, fillTimeout);
    }

    private static String need(final String arg, final String value)
    {
        require(value != null, "%s needs a value\n%s", arg, USAGE);
        return value;
    }

    private static int parseInt(final String arg, final String value)
    {
        try
        {
            return Integer.parseInt(value.trim());
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException(arg + " '" + value + "' is not a number", e);
        }
    }

    private static long size(final String arg, final String value)
    {
        try
        {
            return ByteSize.parse(value);
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException(arg + ": " + e.getMessage(), e);
        }
    }

    private static URI uri(final String value)
    {
        try
        {
            final URI uri = new URI(value.toLowerCase(Locale.ROOT).startsWith("http://") ? value : "http://" + value);
            final String path = uri.getPath();
            return path == null || path.isEmpty() || "/".equals(path) ? uri.resolve("/") : uri;
        }
        catch (final Exception e)
        {
            throw new IllegalArgumentException("--origin '" + value + "' is not a URL like http://host:port", e);
        }
    }

    private static void require(final boolean condition, final String template, final Object... args)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(String.format(template, args));
        }
    }
}
