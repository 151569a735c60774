package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VapidSubjectTest {

    @ParameterizedTest
    @ValueSource(strings = {"mailto:ops@example.com", "MAILTO:ops@example.com", "https://example.com/contact",
            "https://push.example.co.uk", "  mailto:a.b+push@mail.example.org  "})
    void acceptsMailtoAddressesAndHttpsUrls(String value) {
        assertThat(VapidSubject.of(value).value()).isEqualTo(value.strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mailto:admin@localhost", "mailto:me@LOCALHOST", "mailto:dev@app.localhost",
            "https://localhost", "https://localhost:8443/contact"})
    void rejectsLocalhostBecauseApplesPushServiceDoes(String value) {
        assertThatThrownBy(() -> VapidSubject.of(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + value + "'")
                .hasMessageContaining("Apple")
                .hasMessageContaining("localhost");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com", "ops@example.com", "example.com", "ftp://example.com",
            "mailto:", "mailto:@example.com", "mailto:ops@", "mailto:ops", "https://", "mailto:ops@intranet"})
    void rejectsAnythingElseQuotingTheValue(String value) {
        assertThatThrownBy(() -> VapidSubject.of(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(value);
    }

    @org.junit.jupiter.api.Test
    void suggestsMailtoForABareAddress() {
        assertThatThrownBy(() -> VapidSubject.of("ops@example.com"))
                .hasMessageContaining("write it as 'mailto:ops@example.com'");
        assertThatThrownBy(() -> VapidSubject.of(" "))
                .hasMessageContaining("was empty");
    }
}
