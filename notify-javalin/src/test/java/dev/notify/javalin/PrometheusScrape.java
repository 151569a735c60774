package dev.notify.javalin;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_35_0.Metrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of {@code /metrics}, read back two ways: the Prometheus protobuf exposition parsed by
 * the Prometheus client's generated {@code MetricFamily} parser, and the text format 0.0.4 checked
 * line by line against the format's grammar (every sample line is a name, optional labels and a
 * float; every family has a TYPE line before its samples).
 */
final class PrometheusScrape {
    private final Map<String, Metrics.MetricFamily> families = new HashMap<>();

    static PrometheusScrape fromProtobuf(byte[] body) {
        PrometheusScrape s = new PrometheusScrape();
        try (InputStream in = new ByteArrayInputStream(body)) {
            for (Metrics.MetricFamily f; (f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null; ) {
                s.families.put(f.getName(), f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s;
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})?"
                    + " ([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");

    /**
     * Checks that {@code text} is valid Prometheus text 0.0.4.
     *
     * @return the value of each sample line, keyed by the line's name and labels as written
     * @throws AssertionError naming the first line that is not
     */
    static Map<String, Double> parseText(String text) {
        Map<String, Double> samples = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isEmpty() || line.startsWith("# HELP ")) {
                continue;
            }
            Matcher t = TYPE.matcher(line);
            if (t.matches()) {
                if (types.put(t.group(1), t.group(2)) != null) {
                    throw new AssertionError("line " + n + ": a second TYPE for " + t.group(1));
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("line " + n + " is not a Prometheus sample: " + line);
            }
            String name = m.group(1);
            String family = name.replaceAll("_(total|bucket|count|sum|max|created)$", "");
            if (!types.containsKey(name) && !types.containsKey(family)) {
                throw new AssertionError("line " + n + ": sample " + name + " before its TYPE line");
            }
            String v = m.group(3);
            samples.put(name + (m.group(2) == null ? "" : m.group(2)),
                    v.endsWith("Inf") ? (v.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                            : Double.parseDouble(v));
        }
        return samples;
    }

    /** The counter's value for the labels given as name, value pairs; 0 if the series does not exist. */
    double counter(String family, String... labels) {
        Metrics.Metric m = find(family, labels);
        return m == null ? 0 : m.getCounter().getValue();
    }

    /** The gauge's value; NaN if the series does not exist. */
    double gauge(String family, String... labels) {
        Metrics.Metric m = find(family, labels);
        return m == null ? Double.NaN : m.getGauge().getValue();
    }

    /** The number of observations of a timer (summary); 0 if the series does not exist. */
    long count(String family, String... labels) {
        Metrics.Metric m = find(family, labels);
        if (m == null) {
            return 0;
        }
        return m.hasSummary() ? m.getSummary().getSampleCount() : m.getHistogram().getSampleCount();
    }

    boolean has(String family) {
        return families.containsKey(family);
    }

    private Metrics.Metric find(String family, String... labels) {
        Metrics.MetricFamily f = families.get(family);
        if (f == null) {
            return null;
        }
        outer:
        for (Metrics.Metric m : f.getMetricList()) {
            for (int i = 0; i < labels.length; i += 2) {
                String name = labels[i];
                String value = labels[i + 1];
                if (m.getLabelList().stream().noneMatch(l -> l.getName().equals(name) && l.getValue().equals(value))) {
                    continue outer;
                }
            }
            return m;
        }
        return null;
    }
}
