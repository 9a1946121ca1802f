package dev.rawcache;

import java.time.Duration;

/**
 * What a scrub ({@link RawDiskCache#verify(VerifyReport.Listener)}) found.
 * <p>
 * Immutable and thread-safe.
 *
 * @param entries entries checked.
 * @param bytes   value bytes checked.
 * @param corrupt entries whose header or checksum failed; they were dropped and their blocks reclaimed.
 * @param elapsed how long the scrub took.
 */
public record VerifyReport(long entries, long bytes, long corrupt, Duration elapsed)
{
    /**
     * Told how far a scrub has got, from the thread that called {@code verify}, a few times a second.
     */
    @FunctionalInterface
    public interface Listener
    {
        /**
         * Progress so far.
         *
         * @param entriesChecked entries checked so far.
         * @param entriesTotal   entries to check.
         * @param bytesChecked   value bytes checked so far.
         * @param corrupt        corrupt entries found so far.
         */
        void progress(long entriesChecked, long entriesTotal, long bytesChecked, long corrupt);
    }
}
