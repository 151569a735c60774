package dev.notify.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A Markdown table, printed so it can be pasted into BENCHMARKS.md as is. */
final class Table {
    private final String title;
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    Table(String title, String... header) {
        this.title = title;
        this.header = header;
    }

    Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    void print(PrintStream out) {
        out.println();
        out.println("### " + title);
        out.println();
        out.println("| " + String.join(" | ", header) + " |");
        out.println("|" + " --- |".repeat(header.length));
        for (String[] r : rows) {
            out.println("| " + String.join(" | ", r) + " |");
        }
        out.println();
        out.println(Machine.describe());
        out.flush();
    }
}
