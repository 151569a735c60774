package dev.notify.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class H2DurabilityTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "jdbc:h2:file:/data/notify|jdbc:h2:file:/data/notify;WRITE_DELAY=0",
            "jdbc:h2:./notify-data/notify|jdbc:h2:./notify-data/notify;WRITE_DELAY=0",
            "jdbc:h2:~/notify;AUTO_SERVER=TRUE|jdbc:h2:~/notify;AUTO_SERVER=TRUE;WRITE_DELAY=0",
            "jdbc:h2:file:/d/n;|jdbc:h2:file:/d/n;WRITE_DELAY=0",
            "JDBC:H2:nio:/d/n|JDBC:H2:nio:/d/n;WRITE_DELAY=0",
            "jdbc:h2:split:/d/n|jdbc:h2:split:/d/n;WRITE_DELAY=0",
    })
    void embeddedFileDatabasesWriteEachCommitBeforeItReturns(String url, String expected) {
        assertThat(H2Durability.withDurableCommits(url)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "jdbc:h2:file:/d/n;write_delay=2000",
            "jdbc:h2:file:/d/n;MODE=PostgreSQL; WRITE_DELAY =100",
            "jdbc:h2:mem:demo;DB_CLOSE_DELAY=-1",
            "jdbc:h2:tcp://db:9092/notify",
            "jdbc:h2:ssl://db/notify",
            "jdbc:h2:zip:/d/n.zip!/n",
            "jdbc:postgresql://127.0.0.1:5432/test",
    })
    void leavesAnExplicitChoiceAndOtherDatabasesAlone(String url) {
        assertThat(H2Durability.withDurableCommits(url)).isEqualTo(url);
    }

    @Test
    void theAddedSettingIsWhatTheDatabaseRuns(@TempDir Path dir) throws Exception {
        String url = H2Durability.withDurableCommits("jdbc:h2:file:" + dir.resolve("db").toAbsolutePath());
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("0");
        }
        // Without it H2 delays writes, which is what the rewrite is for.
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("other").toAbsolutePath());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'")) {
            assertThat(rs.next()).isTrue();
            assertThat(Integer.parseInt(rs.getString(1))).isPositive();
        }
    }
}
