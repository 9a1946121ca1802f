package dev.rawcache.server.http;

import java.util.Locale;
import java.util.Map;

/**
 * {@code Content-Type} values for file names, by extension, for the common types of the web. Text types name
 * UTF-8 as their charset; {@code application/json} takes no charset parameter (RFC 8259), so it has none.
 * <p>
 * Stateless and thread-safe.
 */
public final class MimeTypes
{
    /** The type of anything not recognised. */
    public static final String DEFAULT = "application/octet-stream";

    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
        Map.entry("html", "text/html; charset=utf-8"),
        Map.entry("htm", "text/html; charset=utf-8"),
        Map.entry("css", "text/css; charset=utf-8"),
        Map.entry("js", "text/javascript; charset=utf-8"),
        Map.entry("mjs", "text/javascript; charset=utf-8"),
        Map.entry("json", "application/json"),
        Map.entry("map", "application/json"),
        Map.entry("txt", "text/plain; charset=utf-8"),
        Map.entry("csv", "text/csv; charset=utf-8"),
        Map.entry("md", "text/markdown; charset=utf-8"),
        Map.entry("xml", "application/xml"),
        Map.entry("svg", "image/svg+xml"),
        Map.entry("png", "image/png"),
        Map.entry("jpg", "image/jpeg"),
        Map.entry("jpeg", "image/jpeg"),
        Map.entry("gif", "image/gif"),
        Map.entry("webp", "image/webp"),
        Map.entry("avif", "image/avif"),
        Map.entry("ico", "image/x-icon"),
        Map.entry("woff", "font/woff"),
        Map.entry("woff2", "font/woff2"),
        Map.entry("ttf", "font/ttf"),
        Map.entry("otf", "font/otf"),
        Map.entry("pdf", "application/pdf"),
        Map.entry("zip", "application/zip"),
        Map.entry("gz", "application/gzip"),
        Map.entry("tar", "application/x-tar"),
        Map.entry("wasm", "application/wasm"),
        Map.entry("mp4", "video/mp4"),
        Map.entry("webm", "video/webm"),
        Map.entry("mp3", "audio/mpeg"),
        Map.entry("ogg", "audio/ogg"));

    private MimeTypes()
    {
    }

    /**
     * The type for a file name or path by its extension, ignoring case: {@code index.HTML} is
     * {@code text/html; charset=utf-8}. Only the last path segment counts, and a name that starts with its only
     * dot ({@code .gitignore}) has no extension.
     *
     * @param name the file name or a path ending in one, may be null.
     * @return the type, or {@link #DEFAULT} when the name is null or its extension is missing or not known.
     */
    public static String forFileName(final String name)
    {
        if (name == null)
        {
            return DEFAULT;
        }
        final int segment = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1;
        final int dot = name.lastIndexOf('.');
        if (dot <= segment || dot == name.length() - 1)
        {
            return DEFAULT;
        }
        final String type = BY_EXTENSION.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
        return type == null ? DEFAULT : type;
    }
}
