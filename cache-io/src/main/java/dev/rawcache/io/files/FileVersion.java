package dev.rawcache.io.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * What identifies one version of a file: its size, last-modified time and file key (device and inode on Unix). Two
 * stats that agree on all three are taken to show the same bytes; a file replaced by a rename gets a new inode, one
 * truncated or rewritten in place a new size or time.
 * <p>
 * The blind spot is a rewrite in place that keeps the size and lands within the file system's timestamp granularity
 * (a few milliseconds on ext4); such a change is not seen, but a shared mapping of the same inode shows the new bytes
 * anyway. Publish new versions with a rename and the check is exact.
 * <p>
 * Immutable and thread-safe.
 *
 * @param size         the length in bytes.
 * @param lastModified the last-modified time, at the file system's precision.
 * @param fileKey      the file system's identity of the file (may be null where the file system has none).
 * @param inode        the inode number, or -1 where unknown (only read when a file is opened, see
 *                     {@link #readWithInode(Path)}).
 */
record FileVersion(long size, FileTime lastModified, Object fileKey, long inode)
{
    private static final String UNIX_ATTRIBUTES = "unix:size,lastModifiedTime,fileKey,ino,isRegularFile";

    /**
     * Stats a file without following a final symbolic link, and checks it is a regular file.
     *
     * @param real     the file's real path.
     * @param relative the request path, for messages.
     * @return the version seen.
     * @throws FileAccessException {@code NOT_A_REGULAR_FILE}, {@code NOT_FOUND} or {@code UNREADABLE}.
     */
    static FileVersion read(final Path real, final String relative)
    {
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        catch (final IOException e)
        {
            throw PathResolver.failure(relative, e);
        }
        if (!attributes.isRegularFile())
        {
            throw notRegular(relative, attributes.isDirectory());
        }
        return new FileVersion(attributes.size(), attributes.lastModifiedTime(), attributes.fileKey(), -1);
    }

    /**
     * Stats a file, inode number included, without following a final symbolic link.
     *
     * @param real the file's real path.
     * @return the version seen, or null when it is no longer a regular file.
     * @throws IOException when the stat fails.
     */
    static FileVersion readWithInode(final Path real) throws IOException
    {
        try
        {
            final Map<String, Object> attributes = Files.readAttributes(real, UNIX_ATTRIBUTES,
                LinkOption.NOFOLLOW_LINKS);
            if (!Boolean.TRUE.equals(attributes.get("isRegularFile")))
            {
                return null;
            }
            return new FileVersion((Long)attributes.get("size"), (FileTime)attributes.get("lastModifiedTime"),
                attributes.get("fileKey"), (Long)attributes.get("ino"));
        }
        catch (final UnsupportedOperationException | IllegalArgumentException e)
        {
            // No "unix" attribute view on this platform: the file key alone identifies the file.
            final BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
            return attributes.isRegularFile() ?
                new FileVersion(attributes.size(), attributes.lastModifiedTime(), attributes.fileKey(), -1) : null;
        }
    }

    static FileAccessException notRegular(final String relative, final boolean directory)
    {
        return new FileAccessException(FileAccessException.Reason.NOT_A_REGULAR_FILE, PathResolver.quote(relative) +
            (directory ? " is a directory" : " is not a regular file (a device, FIFO or socket)"));
    }

    /**
     * Whether this and {@code other} show the same version of the same file (the inode number is not compared: it
     * is part of the file key where known).
     *
     * @param other the other stat.
     * @return true when size, last-modified time and file key agree.
     */
    boolean sameAs(final FileVersion other)
    {
        return size == other.size && lastModified.equals(other.lastModified) && Objects.equals(fileKey, other.fileKey);
    }

    /**
     * The last-modified time in milliseconds since the epoch.
     *
     * @return the time, truncated to milliseconds.
     */
    long lastModifiedMillis()
    {
        return lastModified.toMillis();
    }

    /**
     * A stable identity for ETags: inode, size and last-modified time in microseconds, in hexadecimal, with no path.
     *
     * @return for example {@code "1a2b3-4000-63f1c2d3e4f5a"}.
     */
    String etag()
    {
        final long identity = inode >= 0 ? inode : (fileKey == null ? 0 : fileKey.hashCode() & 0xFFFF_FFFFL);
        return Long.toHexString(identity) + '-' + Long.toHexString(size) + '-' +
            Long.toHexString(lastModified.to(TimeUnit.MICROSECONDS));
    }
}
