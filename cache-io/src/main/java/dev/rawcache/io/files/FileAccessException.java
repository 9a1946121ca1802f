package dev.rawcache.io.files;

import java.io.Serial;

/**
 * Thrown by {@link MappedFileCache#acquire(String)} for a path that cannot be served, with a {@link Reason} a server
 * can turn into a status code (for example 404 for {@link Reason#NOT_FOUND} and {@link Reason#OUTSIDE_ROOT}, 403 or
 * 404 for {@link Reason#NOT_A_REGULAR_FILE}, 500 or 403 for {@link Reason#UNREADABLE}).
 * <p>
 * The message names the requested path, with control characters escaped, and why it was refused; it never names the
 * root directory's absolute path or where a symbolic link points, so it may be logged, though it should not be sent to
 * a client verbatim.
 * <p>
 * Instances are immutable and thread-safe.
 */
public final class FileAccessException extends RuntimeException
{
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Why a path cannot be served.
     */
    public enum Reason
    {
        /** Nothing exists at the path, or a part of the path that should be a directory is a file. */
        NOT_FOUND,
        /** The path names a directory, a device, a FIFO or a socket, not a regular file. */
        NOT_A_REGULAR_FILE,
        /**
         * The path would leave the root or is not a well-formed relative path: a {@code ..} or {@code .} segment, an
         * absolute path, an empty segment, a backslash, a NUL or other control character, or a symbolic link whose
         * target lies outside the root.
         */
        OUTSIDE_ROOT,
        /** The file exists but could not be opened, read or mapped: no permission, or an I/O error. */
        UNREADABLE
    }

    private final Reason reason;

    /**
     * An exception for a refused path.
     *
     * @param reason  why the path cannot be served.
     * @param message the requested path and why it was refused.
     */
    public FileAccessException(final Reason reason, final String message)
    {
        super(reason + ": " + message);
        this.reason = reason;
    }

    /**
     * An exception for a refused path, with the underlying cause.
     *
     * @param reason  why the path cannot be served.
     * @param message the requested path and why it was refused.
     * @param cause   the underlying failure.
     */
    public FileAccessException(final Reason reason, final String message, final Throwable cause)
    {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    /**
     * Why the path cannot be served.
     *
     * @return the reason.
     */
    public Reason reason()
    {
        return reason;
    }
}
