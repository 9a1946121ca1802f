package dev.rawcache;

import java.nio.ByteBuffer;

/**
 * One byte range of a body being written in parallel ({@link EntryWriter#allocateRange(long)}): a thread fills it
 * with exactly its length, in any number of writes, then takes its {@link #receipt()}.
 * <p>
 * Ranges are handed out one after another by the writer, so two ranges never overlap. Not thread-safe: one thread
 * fills one range; different ranges may be filled by different threads at the same time.
 */
public interface WriteRange
{
    /**
     * Where the range starts in the body.
     *
     * @return the offset.
     */
    long offset();

    /**
     * The range's length.
     *
     * @return bytes.
     */
    long length();

    /**
     * Appends bytes to the range; the chunk is consumed.
     *
     * @param chunk the bytes from position to limit.
     * @throws IllegalArgumentException when they would overflow the range (nothing is written).
     * @throws IllegalStateException    when the writer is no longer open.
     */
    void write(ByteBuffer chunk);

    /**
     * The proof that the range is full, which {@link EntryWriter#commit()} requires for every range.
     *
     * @return the receipt.
     * @throws IllegalStateException when the range is not full yet (the message says how much is missing).
     */
    WriteReceipt receipt();
}
