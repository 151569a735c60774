package dev.notify.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node this process is among those sharing the outbox, and which run of it. Outbox lease
 * owners are {@code "<node id>/<incarnation>/<claim>"}: a node that starts again under the same
 * id takes back at once the rows its previous run still held.
 *
 * <p>The node id is, in order: the configured one; else the one kept in {@value #FILE} in the
 * data directory (created on first start), while this process holds an exclusive lock on that
 * file, so two live processes sharing a directory never share an id (the second gets a random
 * one); else a random id for this run only.
 */
public final class NodeIdentity implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeIdentity.class);
    /** The file, in the data directory, that keeps the node id. */
    public static final String FILE = "node-id";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9.-]{1,40}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String nodeId;
    private final String incarnation = random(4);
    private final FileChannel lockedFile;

    private NodeIdentity(String nodeId, FileChannel lockedFile) {
        this.nodeId = nodeId;
        this.lockedFile = lockedFile;
    }

    /** A random node id for this run only. */
    public static NodeIdentity ephemeral() {
        return new NodeIdentity("n-" + random(6), null);
    }

    /**
     * Chooses the node id.
     *
     * @param configured the configured id, or null
     * @param directory  the data directory, or null when there is none
     */
    public static NodeIdentity choose(String configured, Path directory) {
        if (configured != null) {
            return new NodeIdentity(configured, null);
        }
        if (directory == null) {
            return ephemeral();
        }
        Path file = directory.resolve(FILE);
        FileChannel channel = null;
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                NodeIdentity fresh = ephemeral();
                log.warn("{} is in use by another live process sharing this data directory; this one runs as node {}"
                        + " (a restart will not take back its leased outbox rows early)", file.toAbsolutePath(),
                        fresh.nodeId);
                return fresh;
            }
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(128);
            channel.read(buffer, 0);
            String stored = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
            if (!VALID.matcher(stored).matches()) {
                stored = "n-" + random(6);
                channel.truncate(0);
                channel.write(java.nio.ByteBuffer.wrap((stored + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
                channel.force(true);
            }
            return new NodeIdentity(stored, channel);
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
            NodeIdentity fresh = ephemeral();
            log.warn("cannot keep the node id in {} ({}); this run is node {}", file.toAbsolutePath(), e, fresh.nodeId);
            return fresh;
        }
    }

    /** The node id: the first part of every lease owner this node writes. */
    public String nodeId() {
        return nodeId;
    }

    /** This run's lease owner prefix, {@code "<node id>/<incarnation>/"}. */
    public String ownerPrefix() {
        return nodeId + "/" + incarnation + "/";
    }

    /** Releases the lock on the node id file. */
    @Override
    public void close() {
        if (lockedFile != null) {
            try {
                lockedFile.close();
            } catch (IOException e) {
                log.debug("closing {} failed", FILE, e);
            }
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
