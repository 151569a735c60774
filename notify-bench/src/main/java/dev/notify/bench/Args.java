package dev.notify.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/** {@code --name=value} options of one benchmark command; remembers which names the command read. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> read = ConcurrentHashMap.newKeySet();

    Args(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("options look like --name=value but got '" + a + "'");
            }
            int eq = a.indexOf('=');
            values.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
        }
    }

    String get(String name, String fallback) {
        read.add(name);
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        read.add(name);
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }

    boolean flag(String name) {
        read.add(name);
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    /** Options given on the command line that the command never read: misspelled, or not used by this run. */
    Set<String> unread() {
        Set<String> unread = new TreeSet<>(values.keySet());
        unread.removeAll(read);
        return unread;
    }
}
