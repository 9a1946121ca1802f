package dev.rawcache.stats;

import java.nio.file.Path;

import org.agrona.concurrent.status.CountersReader;

/**
 * The layout of the counters file that sits beside a cache file ({@code <cache file>.counters}), which other
 * processes map read-only to watch a running cache, the way Aeron's CnC file is read by AeronStat. Little-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    Magic "RCSTATS1" (64)                      |
 *  +---------------------------------------------------------------+
 *  |                       Version (32)                            |
 *  +---------------------------------------------------------------+
 *  |                  Metadata Buffer Length (32)                  |
 *  +---------------------------------------------------------------+
 *  |                   Values Buffer Length (32)                   |
 *  +---------------------------------------------------------------+
 *  |                   Owner's Process Id (64)                     |
 *  +---------------------------------------------------------------+
 *  |                  Owner's Start Time, epoch ms (64)            |
 *  +---------------------------------------------------------------+
 *  |                  Cache File Creation Id (64)                  |
 *  +---------------------------------------------------------------+
 *  |      Closed (32): 0 while the cache runs, 1 after close       |
 *  +---------------------------------------------------------------+
 *  |               zero up to HEADER_LENGTH                        |
 *  +---------------------------------------------------------------+
 *  |      Agrona counters metadata buffer (Metadata Length)        |
 *  +---------------------------------------------------------------+
 *  |      Agrona counters values buffer (Values Length)            |
 *  +---------------------------------------------------------------+
 * </pre>
 * The owner writes every header field before the magic, and the magic last with release semantics, so a reader
 * that sees the magic sees a complete header.
 */
public final class CountersFileDescriptor
{
    /** "RCSTATS1" in ASCII, read as a little-endian long. */
    public static final long MAGIC = 0x3153544154534352L;
    /** The layout version. */
    public static final int VERSION = 1;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Long.BYTES;
    /** Offset of the metadata buffer length. */
    public static final int METADATA_LENGTH_OFFSET = VERSION_OFFSET + Integer.BYTES;
    /** Offset of the values buffer length. */
    public static final int VALUES_LENGTH_OFFSET = METADATA_LENGTH_OFFSET + Integer.BYTES;
    /** Offset of the owner's pid. */
    public static final int PID_OFFSET = VALUES_LENGTH_OFFSET + Integer.BYTES + Integer.BYTES;
    /** Offset of the owner's start time. */
    public static final int START_TIME_OFFSET = PID_OFFSET + Long.BYTES;
    /** Offset of the cache file's creation id. */
    public static final int CREATION_ID_OFFSET = START_TIME_OFFSET + Long.BYTES;
    /** Offset of the closed flag. */
    public static final int CLOSED_OFFSET = CREATION_ID_OFFSET + Long.BYTES;
    /** Length of the header; the metadata buffer starts here. */
    public static final int HEADER_LENGTH = 4096;

    /** Counter slots in the file: room for every {@link CacheCounter} and later ones. */
    public static final int MAX_COUNTERS = 64;
    /** Values buffer length. */
    public static final int VALUES_LENGTH = MAX_COUNTERS * CountersReader.COUNTER_LENGTH;
    /** Metadata buffer length. */
    public static final int METADATA_LENGTH = MAX_COUNTERS * CountersReader.METADATA_LENGTH;
    /** Total file length. */
    public static final int FILE_LENGTH = HEADER_LENGTH + METADATA_LENGTH + VALUES_LENGTH;

    private CountersFileDescriptor()
    {
    }

    /**
     * The counters file of a cache file.
     *
     * @param cacheFile the cache file.
     * @return {@code <cacheFile>.counters} beside it.
     */
    public static Path countersFileOf(final Path cacheFile)
    {
        final Path absolute = cacheFile.toAbsolutePath();
        return absolute.resolveSibling(absolute.getFileName() + ".counters");
    }
}
