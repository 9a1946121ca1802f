package dev.rawcache;

/**
 * Proof that a {@link WriteRange} was filled completely; only the writer that handed out the range accepts it.
 * <p>
 * Immutable and thread-safe.
 *
 * @param offset where the range starts in the body.
 * @param length the range's length.
 * @param writer identifies the writer that issued it.
 */
public record WriteReceipt(long offset, long length, Object writer)
{
}
