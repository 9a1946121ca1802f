package dev.rawcache.server;

import java.util.List;
import java.util.Map;

/**
 * What a {@code GET} or {@code HEAD} is answered with: a body and the validators and headers that go with it.
 *
 * @param body               the body; the response closes it.
 * @param etag               the entity tag as sent ({@code "..."} or {@code W/"..."}), or null.
 * @param lastModifiedMillis the last modification time, or -1.
 * @param contentType        the media type, or null.
 * @param headers            further headers to send as they are (such as a stored {@code Cache-Control}).
 * @param cacheStatus        the {@code X-Cache} value ({@code HIT}, {@code MISS}, ...), or null for none.
 */
record Representation(Body body, String etag, long lastModifiedMillis, String contentType,
                      List<Map.Entry<String, String>> headers, String cacheStatus)
{
}
