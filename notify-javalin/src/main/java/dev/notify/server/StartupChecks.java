package dev.notify.server;

import dev.notify.Notify;
import dev.notify.NotifyException;
import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The steps of start-up that can fail for a reason the operator fixes in a setting. */
final class StartupChecks {
    private StartupChecks() {
    }

    /**
     * Binds the HTTP port, before anything else happens.
     *
     * @throws StartupException naming {@code NOTIFY_PORT} (or {@code NOTIFY_HOST}) when it cannot
     */
    static ServerSocketChannel bind(ServerConfig config) {
        String where = (config.host() == null ? "" : config.host()) + ":" + config.port();
        ServerSocketChannel channel = null;
        try {
            channel = ServerSocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            InetSocketAddress address = config.host() == null ? new InetSocketAddress(config.port())
                    : new InetSocketAddress(config.host(), config.port());
            if (address.isUnresolved()) {
                throw new StartupException("cannot resolve NOTIFY_HOST '" + config.host()
                        + "': set it to an address of this machine, or leave it unset for all interfaces");
            }
            channel.bind(address, 0);
            return channel;
        } catch (BindException e) {
            closeQuietly(channel);
            throw new StartupException("port " + config.port() + " is in use" + (config.host() == null ? ""
                    : " on " + config.host()) + ": set NOTIFY_PORT (or --port) to a free port, or stop what listens"
                    + " there", e);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StartupException("cannot listen on " + where + " (" + e.getMessage()
                    + "): check NOTIFY_HOST and NOTIFY_PORT", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /**
     * Opens (and migrates) the database.
     *
     * @throws StartupException naming {@code NOTIFY_DB_URL} or {@code NOTIFY_DATA_DIR}
     */
    static Notify openDatabase(Notify.Builder builder, ServerConfig config) {
        try {
            return builder.build();
        } catch (NotifyException e) {
            String setting = config.dbUrl() == null
                    ? "the embedded database in " + show(config.dataDirectory()) + " (NOTIFY_DATA_DIR)"
                    : "the database at NOTIFY_DB_URL";
            throw new StartupException("cannot open " + setting + ": " + firstLine(rootMessage(e))
                    + "\n  check NOTIFY_DB_URL" + (config.dbUrl() == null ? " or NOTIFY_DATA_DIR" : "")
                    + "; run with --debug for the full error", e);
        }
    }

    /** {@value NotifyServer#ACCESS_LOG}: on unless {@code off}, {@code false}, {@code 0} or {@code no}. */
    static boolean accessLog(Map<String, String> env) {
        String raw = ServerConfig.blankToNull(env.get(NotifyServer.ACCESS_LOG));
        if (raw == null) {
            return true;
        }
        return switch (raw.strip().toLowerCase(Locale.ROOT)) {
            case "on", "true", "1", "yes" -> true;
            case "off", "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException(NotifyServer.ACCESS_LOG + " must be on or off but was '"
                    + raw + "'");
        };
    }

    /**
     * How to run the {@code token} command against this server's secret: the jar this class was
     * loaded from (relative to the working directory when under it), and {@code --data-dir} when
     * the data directory is not the default.
     */
    static String tokenCommand(ServerConfig config) {
        String command = launcher() + " token";
        if (config.jwtSecret() == null && !config.dataDirectory().equals(Path.of(ServerConfig.DEFAULT_DATA_DIR))) {
            command += " --data-dir " + show(config.dataDirectory());
        }
        return command;
    }

    private static String launcher() {
        try {
            Path location = Path.of(NotifyServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(location)) {
                return "java -jar " + show(location);
            }
        } catch (Exception ignored) {
            // unusual class loader: fall back to the class path below
        }
        return "java -cp " + System.getProperty("java.class.path") + " " + NotifyServer.class.getName();
    }

    /** A path as a person would type it: relative to the working directory when under it. */
    static String show(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        if (absolute.startsWith(cwd) && !absolute.equals(cwd)) {
            return "./" + cwd.relativize(absolute);
        }
        return absolute.toString();
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return t == e ? message : e.getMessage() + " (" + message + ")";
    }

    static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).strip();
    }

    static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
