package dev.rawcache.io;

import java.io.Serial;

/**
 * The one unchecked exception family for failures of the cache file and its I/O, each carrying a {@link Reason}
 * and, where there was one, the underlying cause.
 * <p>
 * Bad arguments are {@link IllegalArgumentException}s and lifecycle misuse is {@link IllegalStateException}; this
 * exception is for what the storage did: a full disk, a foreign or damaged file, a failed system call.
 * <p>
 * Instances are immutable and thread-safe.
 */
public final class CacheIoException extends RuntimeException
{
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Why an I/O operation failed.
     */
    public enum Reason
    {
        /** The device or file has no room for what was asked (preallocation, or blocks for a store). */
        NO_SPACE,
        /** Stored bytes failed a checksum or a structural check. */
        CORRUPT,
        /** The file is not a rawcache file of this version and geometry, or is shorter than it says. */
        FORMAT,
        /** The file is already open for writing by another cache, in this process or another one. */
        LOCKED,
        /** A system call or a mapped access failed. */
        IO
    }

    private final Reason reason;

    /**
     * An exception with a reason and a message.
     *
     * @param reason  why the operation failed.
     * @param message what failed, naming the file and values involved.
     */
    public CacheIoException(final Reason reason, final String message)
    {
        super(reason + ": " + message);
        this.reason = reason;
    }

    /**
     * An exception with a reason, a message and the underlying cause.
     *
     * @param reason  why the operation failed.
     * @param message what failed, naming the file and values involved.
     * @param cause   the underlying failure.
     */
    public CacheIoException(final Reason reason, final String message, final Throwable cause)
    {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    /**
     * Why the operation failed.
     *
     * @return the reason.
     */
    public Reason reason()
    {
        return reason;
    }
}
