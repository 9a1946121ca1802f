package dev.rawcache.bench.compare;

import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

import java.nio.file.Path;

/**
 * MapDB 3.1.0: an {@code HTreeMap} in a memory-mapped file ({@code fileDB(...).fileMmapEnable()}), transactions off
 * (its default: no write-ahead log), the file preallocated to the data set's size. Its API takes and returns
 * {@code byte[]}: a store copies the direct buffer into a reused array that MapDB serializes, a lookup returns a new
 * array that MapDB deserialized.
 * <p>
 * Thread-safe as {@link Engine} requires (MapDB's default locking, segmented by {@code concurrencyScale}).
 */
final class MapDbEngine implements Engine
{
    private DB db;
    private HTreeMap<String, byte[]> map;
    private int valueSize;

    @Override
    public String name()
    {
        return "MapDB";
    }

    @Override
    public String settings()
    {
        return "3.1.0, fileDB + fileMmapEnable + fileMmapPreclearDisable + cleanerHackEnable, allocateStartSize = " +
            "data set, no transactions (default), HTreeMap<String, byte[]> (Serializer.STRING, BYTE_ARRAY); byte[] " +
            "API: one array copy per store, a new array per lookup";
    }

    @Override
    public void open(final Path directory, final DataSet data)
    {
        valueSize = data.valueSize();
        final long start = Math.max(64L << 20, (data.totalBytes() + data.totalBytes() / 4) >>> 20 << 20);
        db = DBMaker.fileDB(directory.resolve("mapdb.db").toFile())
            .fileMmapEnable()
            .fileMmapPreclearDisable()
            .cleanerHackEnable()
            .allocateStartSize(start)
            .make();
        map = db.hashMap("compare", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    }

    @Override
    public Session session()
    {
        return Engine.byteArraySession(map::put, map::get, valueSize);
    }

    @Override
    public void close()
    {
        if (db != null)
        {
            db.close();
        }
    }
}
