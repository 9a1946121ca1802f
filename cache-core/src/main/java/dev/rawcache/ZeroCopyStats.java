package dev.rawcache;

/**
 * A snapshot of how reads were served: as mapped views, by positional read, or by {@code sendfile}.
 * <p>
 * Immutable and thread-safe.
 *
 * @param mmapReads         zero-copy lookups served as mapped views.
 * @param mmapBytes         bytes served as mapped views.
 * @param mmapSkipped       zero-copy lookups below the threshold, served by positional read.
 * @param sendfileTransfers completed {@code transferTo} calls.
 * @param sendfileBytes     bytes sent by {@code transferTo}.
 */
public record ZeroCopyStats(long mmapReads, long mmapBytes, long mmapSkipped, long sendfileTransfers,
                            long sendfileBytes)
{
}
