package dev.rawcache.bench.compare;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * RocksDB 11.8.1 through its JNI binding, set up as a cache would be: write-ahead log off, no compression, a 256 MiB
 * LRU block cache, a 10-bit Bloom filter, two background jobs. Stores and lookups use the direct-buffer
 * {@code put}/{@code get}, so no Java array is copied across JNI; a lookup copies the value into a reused direct
 * buffer.
 * <p>
 * Store figures do not include the final memtable flush and the compactions it starts:
 * {@link #finishStores()} flushes and waits for compactions to end, and the harness reports that time apart.
 * <p>
 * Thread-safe as {@link Engine} requires.
 */
final class RocksDbEngine implements Engine
{
    private static final long BLOCK_CACHE_BYTES = 256L << 20;

    private Options options;
    private LRUCache blockCache;
    private BloomFilter bloom;
    private WriteOptions writeOptions;
    private ReadOptions readOptions;
    private RocksDB db;
    private int valueSize;

    @Override
    public String name()
    {
        return "RocksDB";
    }

    @Override
    public String settings()
    {
        return "11.8.1 JNI; WAL off (WriteOptions.setDisableWAL), no compression, 256 MiB LRU block cache, Bloom " +
            "filter 10 bits/key, setMaxBackgroundJobs(2), default 64 MiB memtable; direct-buffer put/get into a reused " +
            "buffer; store figures exclude the final flush + compactions (reported as 'finish')";
    }

    @Override
    public void open(final Path directory, final DataSet data) throws RocksDBException
    {
        RocksDB.loadLibrary();
        valueSize = data.valueSize();
        blockCache = new LRUCache(BLOCK_CACHE_BYTES);
        bloom = new BloomFilter(10);
        options = new Options()
            .setCreateIfMissing(true)
            .setCompressionType(CompressionType.NO_COMPRESSION)
            .setMaxBackgroundJobs(2)
            .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(blockCache).setFilterPolicy(bloom));
        writeOptions = new WriteOptions().setDisableWAL(true);
        readOptions = new ReadOptions();
        db = RocksDB.open(options, directory.resolve("rocksdb").toString());
    }

    @Override
    public Session session()
    {
        final ByteBuffer key = ByteBuffer.allocateDirect(256);
        final ByteBuffer value = ByteBuffer.allocateDirect(valueSize);
        return new Session()
        {
            @Override
            public void store(final String k, final ByteBuffer v) throws RocksDBException
            {
                db.put(writeOptions, encode(k), v);
            }

            @Override
            public ByteBuffer lookup(final String k) throws RocksDBException
            {
                value.clear();
                final int size = db.get(readOptions, encode(k), value);
                if (size == RocksDB.NOT_FOUND)
                {
                    return null;
                }
                if (size > value.capacity())
                {
                    throw new IllegalStateException("value of " + k + " is " + size + " bytes, more than any value");
                }
                return value.position(0).limit(size);
            }

            private ByteBuffer encode(final String k)
            {
                return key.clear().put(k.getBytes(StandardCharsets.UTF_8)).flip();
            }
        };
    }

    @Override
    public void finishStores() throws RocksDBException, InterruptedException
    {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true))
        {
            db.flush(flush);
        }
        while (!"0".equals(db.getProperty("rocksdb.num-running-compactions")) ||
            !"0".equals(db.getProperty("rocksdb.compaction-pending")))
        {
            Thread.sleep(20);
        }
    }

    @Override
    public void close()
    {
        closeQuietly(db);
        closeQuietly(readOptions);
        closeQuietly(writeOptions);
        closeQuietly(options);
        closeQuietly(bloom);
        closeQuietly(blockCache);
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        if (closeable == null)
        {
            return;
        }
        try
        {
            closeable.close();
        }
        catch (final Exception ignored)
        {
            // Closing after the measurement: nothing left to report.
        }
    }
}
