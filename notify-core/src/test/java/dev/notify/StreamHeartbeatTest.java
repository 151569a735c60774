package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class StreamHeartbeatTest {
    private static final Instant AT = Instant.parse("2026-05-01T08:00:00Z");

    @Test
    void encodesOncePerEncoderAndReturnsTheSameInstanceToEveryCaller() throws Exception {
        StreamHeartbeat beat = new StreamHeartbeat(AT);
        AtomicInteger calls = new AtomicInteger();
        Function<Instant, byte[]> encoder = now -> {
            calls.incrementAndGet();
            return now.toString().getBytes();
        };
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return beat.encoded(encoder);
                }));
            }
            start.countDown();
            byte[] first = results.get(0).get();
            for (Future<byte[]> r : results) {
                assertThat(r.get()).isSameAs(first);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(calls).hasValue(1);
    }

    @Test
    void eachEncoderGetsItsOwnEncodingOfTheSameInstant() {
        StreamHeartbeat beat = new StreamHeartbeat(AT);
        Function<Instant, String> iso = Instant::toString;
        Function<Instant, Long> millis = Instant::toEpochMilli;

        assertThat(beat.encoded(iso)).isEqualTo("2026-05-01T08:00:00Z");
        assertThat(beat.encoded(millis)).isEqualTo(AT.toEpochMilli());
        assertThat(beat.at()).isEqualTo(AT);
    }

    @Test
    void anEncoderReturningNullIsAnError() {
        StreamHeartbeat beat = new StreamHeartbeat(AT);
        assertThatThrownBy(() -> beat.encoded(now -> null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("returned null");
    }
}
