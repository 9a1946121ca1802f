package dev.rawcache.bench.compare;

import net.openhft.chronicle.map.ChronicleMap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Chronicle Map 2026.1 persisted to a file (an off-heap hash map in a memory-mapped file), with {@code byte[]}
 * values: a store copies the direct buffer into a reused array that Chronicle Map copies into the mapping, a lookup
 * copies the value into a reused array with {@code getUsing}, allocating nothing. Sized for the data set
 * ({@code entries}, {@code averageKey}, {@code averageValueSize}); {@code putReturnsNull(true)} so that a store does
 * not read the old value back.
 * <p>
 * Why not {@link ByteBuffer} values, which would spare the store's copy: measured here, {@code getUsing} into a
 * reused direct {@code ByteBuffer} ran at 0.17 M lookups/s at 4 KiB and 6 K/s at 64 KiB, against 0.87 M/s and
 * 0.21 M/s into a reused {@code byte[]}.
 * <p>
 * On JDK 25 it needs the long list of {@code --add-exports}/{@code --add-opens} flags that compare/run-compare.sh
 * passes; without them it fails at open and its row says why.
 * <p>
 * Thread-safe as {@link Engine} requires (Chronicle Map locks per segment).
 */
final class ChronicleMapEngine implements Engine
{
    private ChronicleMap<CharSequence, byte[]> map;
    private int valueSize;
    private int entries;

    @Override
    public String name()
    {
        return "Chronicle Map";
    }

    @Override
    public String settings()
    {
        return "2026.1, createPersistedTo(file), entries " + entries + ", averageValueSize " + valueSize +
            ", putReturnsNull(true), byte[] values (one array copy per store), getUsing() into a reused array";
    }

    @Override
    public void open(final Path directory, final DataSet data) throws IOException
    {
        valueSize = data.valueSize();
        entries = data.count() + data.count() / 8 + 16;
        map = ChronicleMap.of(CharSequence.class, byte[].class)
            .name("rawcache-compare")
            .entries(entries)
            .averageKey(data.longestKey())
            .averageValueSize(valueSize)
            .putReturnsNull(true)
            .createPersistedTo(directory.resolve("chronicle.map").toFile());
    }

    @Override
    public Session session()
    {
        final byte[] array = new byte[valueSize];
        final byte[][] reused = {new byte[valueSize]};
        return new Session()
        {
            @Override
            public void store(final String key, final ByteBuffer value)
            {
                map.put(key, Engine.copyOf(value, array));
            }

            @Override
            public ByteBuffer lookup(final String key)
            {
                final byte[] got = map.getUsing(key, reused[0]);
                if (got == null)
                {
                    return null;
                }
                reused[0] = got;
                return ByteBuffer.wrap(got);
            }
        };
    }

    @Override
    public void close()
    {
        if (map != null)
        {
            map.close();
        }
    }
}
