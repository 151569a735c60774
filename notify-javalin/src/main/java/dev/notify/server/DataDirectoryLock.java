package dev.notify.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on {@code <data dir>/notify.lock}, held while a server runs on the embedded
 * database in that directory. The operating system drops it when the process ends, even on
 * {@code kill -9}, so a stale file never blocks a restart.
 */
final class DataDirectoryLock implements AutoCloseable {
    static final String FILE = "notify.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dataDirectory}, creating the directory if needed.
     *
     * @throws StartupException if another server (this process or another) holds it, or the
     *         directory cannot be written
     */
    static DataDirectoryLock acquire(Path dataDirectory) {
        Path file = dataDirectory.resolve(FILE);
        FileChannel channel = null;
        try {
            Files.createDirectories(dataDirectory);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new StartupException("another notify server is using " + StartupChecks.show(dataDirectory)
                        + ": stop it, or give this one its own NOTIFY_DATA_DIR");
            }
            return new DataDirectoryLock(channel, lock);
        } catch (IOException e) {
            StartupChecks.closeQuietly(channel);
            throw new StartupException("cannot write the data directory " + StartupChecks.show(dataDirectory)
                    + " (" + e + "): set NOTIFY_DATA_DIR to a writable directory", e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        StartupChecks.closeQuietly(channel);
    }
}
