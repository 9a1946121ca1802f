package dev.rawcache.tools;

import dev.rawcache.CacheConfig;
import dev.rawcache.RawDiskCache;
import dev.rawcache.VerifyReport;
import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.file.CacheFile;
import dev.rawcache.io.file.Superblock;
import dev.rawcache.recovery.CheckpointDescriptor;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code ./rawcache verify <cache-file>}: opens a cache file that no other process has open (the file lock refuses
 * one that is in use), recovers it, checks every entry's header and checksum in parallel with progress, drops the
 * corrupt ones, and closes it with a checkpoint. Exit code 0 when every entry was intact, 1 when some were corrupt
 * or the file could not be opened, 2 for bad usage.
 * <p>
 * Not thread-safe; a command-line tool.
 */
public final class RawCacheVerify
{
    private RawCacheVerify()
    {
    }

    /**
     * Runs the tool.
     *
     * @param args the cache file.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the tool and returns its exit code.
     *
     * @param args the cache file.
     * @param out  where the report goes.
     * @param err  where errors go.
     * @return 0 when intact, 1 when corrupt entries were found or the file could not be opened, 2 for bad usage.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        if (args.length != 1 || args[0].startsWith("-"))
        {
            err.println("usage: ./rawcache verify <cache-file>");
            return 2;
        }
        final Path path = Path.of(args[0]);
        if (!Files.isRegularFile(path))
        {
            err.println("rawcache verify: " + path + ": no such file");
            return 1;
        }
        try
        {
            final Superblock superblock = CacheFile.readSuperblock(path);
            final long journalBlocks = superblock.dataStartBlock() - 1 - CheckpointDescriptor.POINTER_SLOTS;
            final CacheConfig config = CacheConfig.builder(path)
                .capacityBytes(superblock.fileLength())
                .blockSize(superblock.blockSize())
                .journalBytes(journalBlocks * superblock.blockSize())
                .build();
            try (RawDiskCache cache = RawDiskCache.open(config))
            {
                out.printf(Locale.ROOT, "verifying %s: %,d entries recovered%n", path, cache.stats().entries());
                final VerifyReport report = cache.verify((checked, total, bytes, corrupt) ->
                    out.printf(Locale.ROOT, "  %,d / %,d entries, %,d MB, %,d corrupt%n", checked, total,
                        bytes >> 20, corrupt));
                final double seconds = Math.max(1e-9, report.elapsed().toNanos() / 1e9);
                out.printf(Locale.ROOT, "checked %,d entries (%,d bytes) in %.2f s (%.0f MB/s): %,d corrupt%s%n",
                    report.entries(), report.bytes(), seconds, report.bytes() / seconds / 1e6, report.corrupt(),
                    report.corrupt() > 0 ? ", dropped and their blocks reclaimed" : "");
                return report.corrupt() == 0 ? 0 : 1;
            }
        }
        catch (final CacheIoException e)
        {
            err.println("rawcache verify: " + (e.reason() == CacheIoException.Reason.LOCKED ?
                "refusing: " + e.getMessage() + " (stop the process using it first)" : e.getMessage()));
            return 1;
        }
    }
}
