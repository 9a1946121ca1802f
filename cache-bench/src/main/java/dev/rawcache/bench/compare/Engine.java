package dev.rawcache.bench.compare;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * One key-value store under comparison, wrapped so that the harness drives every engine the same way: open it in an
 * empty directory sized for a data set, store values, look them up, close it.
 * <p>
 * <b>The contract that keeps the comparison fair.</b> A store receives the value as a direct buffer (as a proxy holds
 * a body read from the network) that the caller reuses after the call: an engine whose API takes a {@code byte[]}
 * copies it into one, and that copy is part of its store. A lookup must leave every byte of the value in memory the
 * caller can read (a buffer of the session's, or one the engine returned): a copy, not a view left unread. Keys are
 * strings; an engine that stores bytes encodes them itself.
 * <p>
 * An engine is opened once and closed once. {@link #session()} is called once per harness thread and each session is
 * used by that thread only; the engine itself must allow sessions to run concurrently.
 */
interface Engine extends AutoCloseable
{
    /**
     * The name printed in tables and plots.
     *
     * @return the name.
     */
    String name();

    /**
     * The settings that matter for the comparison, one line, for the results' settings list.
     *
     * @return the settings.
     */
    String settings();

    /**
     * Whether this is rawcache itself (its rows get ratios to the limits and to the best peer).
     *
     * @return true for rawcache.
     */
    default boolean isRawcache()
    {
        return false;
    }

    /**
     * Opens an empty store in {@code directory}.
     *
     * @param directory an empty directory of its own.
     * @param data      the data set it must hold without evicting.
     * @throws Exception when the engine cannot open; the harness reports the reason in its row.
     */
    void open(Path directory, DataSet data) throws Exception;

    /**
     * A per-thread handle with the buffers the thread reuses.
     *
     * @return a new session, for one thread.
     */
    Session session();

    /**
     * Called once after the store phase, before the untimed {@code sync}: work the engine defers (a memtable
     * flush, a commit) that should not run during lookups. Timed and reported apart from the stores.
     *
     * @throws Exception on failure.
     */
    default void finishStores() throws Exception
    {
    }

    /**
     * Closes the store and frees what it holds; its files are deleted by the harness.
     *
     * @throws Exception on failure.
     */
    @Override
    void close() throws Exception;

    /**
     * One thread's access to an engine.
     */
    interface Session
    {
        /**
         * Stores a value, replacing an older one of the key.
         *
         * @param key   the key.
         * @param value the value from position to limit, a direct buffer the caller reuses after return; the engine
         *              may move its position.
         * @throws Exception on failure.
         */
        void store(String key, ByteBuffer value) throws Exception;

        /**
         * Looks a key up, leaving every byte of its value in memory the caller can read.
         *
         * @param key the key.
         * @return the value from position 0 to its length (a buffer of this session's, valid until its next call, or
         * one the engine allocated), or null on a miss.
         * @throws Exception on failure.
         */
        ByteBuffer lookup(String key) throws Exception;

        /**
         * Sends a key's whole value to a channel by the engine's zero-copy path ({@code sendfile}), as a server
         * answering a request would; only engines whose {@link Engine#sends()} is true implement it.
         *
         * @param key    the key.
         * @param target a connected socket channel, drained by another thread.
         * @return the bytes sent, or -1 on a miss.
         * @throws Exception on failure.
         */
        default long send(final String key, final java.nio.channels.WritableByteChannel target) throws Exception
        {
            throw new UnsupportedOperationException("this engine does not send values to channels");
        }
    }

    /**
     * Whether sessions implement {@link Session#send}: the engine keeps values in files it can hand to
     * {@code sendfile}.
     *
     * @return true when the send phase runs for it.
     */
    default boolean sends()
    {
        return false;
    }

    /**
     * A session over a map of {@code byte[]} values (Chronicle Map, Ehcache, MapDB): a store copies the value into an
     * array reused while values keep one size (the map keeps its own serialised copy), a lookup wraps what the map
     * returns.
     *
     * @param put    stores a key's array.
     * @param lookup returns a key's array, or null on a miss.
     * @param valueSize the usual value length.
     * @return the session.
     */
    static Session byteArraySession(final java.util.function.BiConsumer<String, byte[]> put,
                                    final java.util.function.Function<String, byte[]> lookup, final int valueSize)
    {
        final byte[] array = new byte[valueSize];
        return new Session()
        {
            @Override
            public void store(final String key, final ByteBuffer value)
            {
                put.accept(key, copyOf(value, array));
            }

            @Override
            public ByteBuffer lookup(final String key)
            {
                final byte[] value = lookup.apply(key);
                return value == null ? null : ByteBuffer.wrap(value);
            }
        };
    }

    /**
     * A value's bytes (position to limit) in {@code reusable} when it has their length, else in a new array.
     *
     * @param value    the value; its position is not moved.
     * @param reusable an array to reuse.
     * @return the array holding the bytes.
     */
    static byte[] copyOf(final ByteBuffer value, final byte[] reusable)
    {
        final int length = value.remaining();
        final byte[] copy = length == reusable.length ? reusable : new byte[length];
        value.get(value.position(), copy);
        return copy;
    }
}
