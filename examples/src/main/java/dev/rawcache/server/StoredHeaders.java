package dev.rawcache.server;

import dev.rawcache.server.http.HeaderBlock;
import dev.rawcache.server.http.HttpDates;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The response headers kept with a cache entry as its metadata (a {@link HeaderBlock}), and what is sent from them.
 * Hop-by-hop headers and framing ({@code Connection}, {@code Transfer-Encoding}, {@code Content-Length}, ...) are
 * never stored: the server frames each response itself.
 * <p>
 * Immutable and thread-safe.
 *
 * @param status  the stored status.
 * @param headers the stored headers, in order.
 */
record StoredHeaders(int status, List<Map.Entry<String, String>> headers)
{
    /** Headers that describe one connection or one message's framing, never stored nor copied from an origin. */
    private static final Set<String> NOT_STORED = Set.of("connection", "keep-alive", "proxy-connection",
        "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization",
        "content-length", "x-cache", "accept-ranges", "set-cookie", "date", "age");

    /** Hop-by-hop headers (RFC 9110 section 7.6.1) and framing: never forwarded, the server frames itself. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
        "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization",
        "content-length");

    /**
     * The headers of a response passed through without storing: all but hop-by-hop ones and those its
     * {@code Connection} header names.
     *
     * @param headers the origin's headers.
     * @return the headers to forward.
     */
    static List<Map.Entry<String, String>> forwardable(final List<Map.Entry<String, String>> headers)
    {
        final Set<String> named = new java.util.HashSet<>();
        for (final Map.Entry<String, String> h : headers)
        {
            if (h.getKey().equalsIgnoreCase("Connection"))
            {
                for (final String token : h.getValue().split(","))
                {
                    named.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        final List<Map.Entry<String, String>> kept = new ArrayList<>(headers.size());
        for (final Map.Entry<String, String> h : headers)
        {
            final String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !named.contains(name))
            {
                kept.add(h);
            }
        }
        return kept;
    }

    /**
     * Keeps the storable ones of some response headers.
     *
     * @param status  the status.
     * @param headers the headers, any case.
     * @return the headers to store.
     */
    static StoredHeaders of(final int status, final List<Map.Entry<String, String>> headers)
    {
        final List<Map.Entry<String, String>> kept = new ArrayList<>(headers.size());
        for (final Map.Entry<String, String> h : headers)
        {
            if (!NOT_STORED.contains(h.getKey().toLowerCase(Locale.ROOT)))
            {
                kept.add(Map.entry(h.getKey(), h.getValue()));
            }
        }
        return new StoredHeaders(status, List.copyOf(kept));
    }

    /**
     * Decodes an entry's metadata.
     *
     * @param metadata the metadata.
     * @return the headers.
     * @throws IllegalArgumentException when the metadata is not a header block.
     */
    static StoredHeaders decode(final ByteBuffer metadata)
    {
        final HeaderBlock.Decoded decoded = HeaderBlock.decode(metadata);
        return new StoredHeaders(decoded.status(), decoded.headers());
    }

    /**
     * Encodes the headers as an entry's metadata.
     *
     * @return the metadata.
     * @throws IllegalArgumentException when they are too large or not valid header text.
     */
    ByteBuffer encode()
    {
        return ByteBuffer.wrap(HeaderBlock.encode(status, headers));
    }

    /**
     * The first value of a header.
     *
     * @param name the name, any case.
     * @return the value, or null.
     */
    String first(final String name)
    {
        for (final Map.Entry<String, String> h : headers)
        {
            if (h.getKey().equalsIgnoreCase(name))
            {
                return h.getValue();
            }
        }
        return null;
    }

    /**
     * All values of a header joined by commas, as a list header is read.
     *
     * @param name the name, any case.
     * @return the values, or null when there are none.
     */
    String joined(final String name)
    {
        String out = null;
        for (final Map.Entry<String, String> h : headers)
        {
            if (h.getKey().equalsIgnoreCase(name))
            {
                out = out == null ? h.getValue() : out + ", " + h.getValue();
            }
        }
        return out;
    }

    /**
     * These headers updated by those of a {@code 304 Not Modified} (RFC 9111 section 4.3.4): each header the 304
     * carries replaces the stored ones of that name.
     *
     * @param update the 304's storable headers.
     * @return the merged headers.
     */
    StoredHeaders updatedBy(final StoredHeaders update)
    {
        final List<Map.Entry<String, String>> merged = new ArrayList<>();
        for (final Map.Entry<String, String> h : headers)
        {
            if (update.first(h.getKey()) == null)
            {
                merged.add(h);
            }
        }
        merged.addAll(update.headers);
        return new StoredHeaders(status, List.copyOf(merged));
    }

    /**
     * A representation of a body with these headers.
     *
     * @param body        the body.
     * @param cacheStatus the {@code X-Cache} value.
     * @return the representation.
     */
    Representation representation(final Body body, final String cacheStatus)
    {
        final List<Map.Entry<String, String>> rest = new ArrayList<>(headers.size());
        for (final Map.Entry<String, String> h : headers)
        {
            final String name = h.getKey();
            if (!name.equalsIgnoreCase("ETag") && !name.equalsIgnoreCase("Last-Modified") &&
                !name.equalsIgnoreCase("Content-Type"))
            {
                rest.add(h);
            }
        }
        final String lastModified = first("Last-Modified");
        return new Representation(body, first("ETag"), lastModified == null ? -1 : HttpDates.parse(lastModified),
            first("Content-Type"), rest, cacheStatus);
    }
}
