package dev.rawcache.server.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MimeTypesTest
{
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "index.html   | text/html; charset=utf-8",
        "index.htm    | text/html; charset=utf-8",
        "site.css     | text/css; charset=utf-8",
        "app.js       | text/javascript; charset=utf-8",
        "module.mjs   | text/javascript; charset=utf-8",
        "data.json    | application/json",
        "app.js.map   | application/json",
        "notes.txt    | text/plain; charset=utf-8",
        "table.csv    | text/csv; charset=utf-8",
        "README.md    | text/markdown; charset=utf-8",
        "feed.xml     | application/xml",
        "logo.svg     | image/svg+xml",
        "a.png        | image/png",
        "a.jpg        | image/jpeg",
        "a.jpeg       | image/jpeg",
        "a.gif        | image/gif",
        "a.webp       | image/webp",
        "a.avif       | image/avif",
        "favicon.ico  | image/x-icon",
        "f.woff       | font/woff",
        "f.woff2      | font/woff2",
        "f.ttf        | font/ttf",
        "f.otf        | font/otf",
        "doc.pdf      | application/pdf",
        "a.zip        | application/zip",
        "a.tar.gz     | application/gzip",
        "a.tar        | application/x-tar",
        "movie.mp4    | video/mp4",
        "movie.webm   | video/webm",
        "song.mp3     | audio/mpeg",
        "song.ogg     | audio/ogg",
        "app.wasm     | application/wasm",
    })
    void shouldKnowTheCommonWebTypes(final String name, final String type)
    {
        assertEquals(type, MimeTypes.forFileName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"INDEX.HTML", "Index.Html", "/var/www/INDEX.htm", "C:\\site\\index.HTML",
        "static/v1.2/index.html"})
    void shouldIgnoreCaseAndDirectories(final String name)
    {
        assertEquals("text/html; charset=utf-8", MimeTypes.forFileName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Makefile", ".gitignore", "dir/.html", "file.", "file.exe", "file.unknown",
        "releases.d/notes", "releases.html/notes", "a.html ", "a.h tml"})
    void shouldFallBackOnOctetStream(final String name)
    {
        assertEquals(MimeTypes.DEFAULT, MimeTypes.forFileName(name));
        assertEquals("application/octet-stream", MimeTypes.forFileName(name));
    }

    @Test
    void shouldFallBackOnOctetStreamForNoName()
    {
        assertEquals(MimeTypes.DEFAULT, MimeTypes.forFileName(null));
    }
}
