package dev.rawcache.io.transfer;

import java.io.IOException;

/**
 * A transfer failed on its target's side, not the file's: the socket's peer closed or reset the connection (a client
 * that went away mid-download), or the target channel was closed. The source file is fine, so a cache does not count
 * this as one of its I/O errors.
 * <p>
 * Immutable.
 */
public final class TargetFailedException extends IOException
{
    private static final long serialVersionUID = 1L;

    /**
     * The failure of a transfer's target.
     *
     * @param cause what the transfer threw.
     */
    public TargetFailedException(final IOException cause)
    {
        super("the transfer's target failed: " + cause.getMessage(), cause);
    }
}
