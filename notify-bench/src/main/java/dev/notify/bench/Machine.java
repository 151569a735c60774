package dev.notify.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** What every table states: when, which JVM and flags, which machine, how busy it was. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        long memKb = meminfoKb("MemTotal:");
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        return "date " + Instant.now().truncatedTo(ChronoUnit.SECONDS)
                + " | JVM " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " | flags " + (flags.isEmpty() ? "(none)" : String.join(" ", flags))
                + " | " + Runtime.getRuntime().availableProcessors() + " cores, "
                + (memKb / 1024 / 1024) + " GiB"
                + " | load " + loadAverage();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static long meminfoKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return 0;
    }

    /** This process's CPU time (user + system), nanoseconds. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Another process's CPU time (user + system) from /proc/PID/stat, nanoseconds. */
    static long processCpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
            return ticks * 10_000_000L; // USER_HZ = 100
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@code after - before}, or -1 when either CPU sample could not be read (is negative). */
    static long cpuDelta(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }

    /** What a table says instead of a CPU figure when {@link #processCpuNanos(long)} failed. */
    static String cpuNotMeasured(long pid) {
        return "not measured (could not read /proc/" + pid + "/stat)";
    }

    /** A process's status field (e.g. VmRSS in kB, Threads) from /proc/PID/status. */
    static long status(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            // gone
        }
        return -1;
    }

    static long openFiles(long pid) {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }
}
