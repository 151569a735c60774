package dev.notify.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/** The process's open-file limit, as the JVM reports it (Unix only). */
public final class FileDescriptors {
    private FileDescriptors() {
    }

    /**
     * The most files (sockets included) this process may hold open, the soft {@code RLIMIT_NOFILE}
     * ({@code ulimit -n}), or -1 where the JVM does not report it (not Unix, or no
     * {@code com.sun.management}).
     */
    public static long limit() {
        try {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
                long max = unix.getMaxFileDescriptorCount();
                return max > 0 ? max : -1;
            }
        } catch (LinkageError | RuntimeException e) {
            // jdk.management absent: unknown
        }
        return -1;
    }

    /** Files this process holds open now, or -1 where unknown. */
    public static long open() {
        try {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
                return unix.getOpenFileDescriptorCount();
            }
        } catch (LinkageError | RuntimeException e) {
            // jdk.management absent: unknown
        }
        return -1;
    }

    /**
     * {@code limit} less what is kept free for everything that is not a stream: a quarter of it,
     * at least {@code minReserve}; at least 1. {@link Integer#MAX_VALUE} when {@code limit} is
     * unknown (negative).
     */
    public static int budget(long limit, int minReserve) {
        if (limit < 0) {
            return Integer.MAX_VALUE;
        }
        long reserve = Math.max(minReserve, limit / 4);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, limit - reserve));
    }
}
