package dev.notify;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * The rules every text and number notify accepts must pass, from the Java API, HTTP and WebSocket
 * alike, so that what the store holds is exactly what the caller sent, on every database.
 *
 * <ul>
 *   <li><b>Text</b> (code {@value #INVALID_TEXT}): no U+0000 (NUL), which PostgreSQL cannot store in
 *       a {@code text} column, and no lone UTF-16 surrogate (a high surrogate not followed by a low
 *       one, or a low one not preceded by a high one), which has no UTF-8 encoding and would be
 *       stored as {@code ?}. Text is never altered to make it fit.</li>
 *   <li><b>Numbers</b> (code {@value #INVALID_NUMBER}): whole numbers must fit a signed 64-bit
 *       integer; other numbers must be finite IEEE 754 doubles (no NaN, no infinity, no literal
 *       such as {@code 1e999} beyond {@link Double#MAX_VALUE}).</li>
 *   <li><b>Structured values</b> ({@code data}, template {@code params}): every map key and every
 *       string, number, list element and nested map value, recursively.</li>
 * </ul>
 *
 * <p>Every check throws {@link InvalidRequestException} with the code above and
 * {@link InvalidRequestException#field()} naming the field; nested values are named by path, e.g.
 * {@code data.order.items[2]}.
 */
public final class InputRules {
    /** Error code for text with a NUL character or a lone surrogate. */
    public static final String INVALID_TEXT = "invalid_text";
    /** Error code for a number that does not fit (infinite, NaN, an integer beyond 64 bits). */
    public static final String INVALID_NUMBER = "invalid_number";

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private InputRules() {
    }

    /**
     * Checks one text value.
     *
     * @param field the field's wire name, for the error
     * @param value the text, or null (passes)
     * @return {@code value}
     * @throws InvalidRequestException code {@value #INVALID_TEXT} if it holds U+0000 or a lone surrogate
     */
    public static String text(String field, String value) {
        if (value == null) {
            return null;
        }
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c == 0) {
                throw invalidText(field, "must not contain U+0000 (NUL) but does at index " + i);
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw invalidText(field, "must be valid Unicode but has a lone surrogate at index " + i);
            }
            if (Character.isLowSurrogate(c)) {
                throw invalidText(field, "must be valid Unicode but has a lone surrogate at index " + i);
            }
        }
        return value;
    }

    /**
     * Checks every element of a list of texts (e.g. recipients); elements are named
     * {@code field[i]}.
     *
     * @throws InvalidRequestException code {@value #INVALID_TEXT} for the first bad element
     */
    public static void texts(String field, Collection<String> values) {
        if (values == null) {
            return;
        }
        int i = 0;
        for (String value : values) {
            text(field + "[" + i++ + "]", value);
        }
    }

    /**
     * Checks one number.
     *
     * @param field the field's wire name, for the error
     * @param value the number, or null (passes)
     * @return {@code value}
     * @throws InvalidRequestException code {@value #INVALID_NUMBER} if it is NaN, infinite, a
     *                                 whole number beyond 64 bits or a decimal beyond the double range
     */
    public static Number number(String field, Number value) {
        if (value instanceof Double d && (d.isNaN() || d.isInfinite())
                || value instanceof Float f && (f.isNaN() || f.isInfinite())) {
            throw invalidNumber(field, "must be a finite number but was " + value);
        }
        if (value instanceof BigInteger big && (big.compareTo(LONG_MIN) < 0 || big.compareTo(LONG_MAX) > 0)) {
            throw invalidNumber(field, "must fit a signed 64-bit integer but has " + big.bitLength() + " bits");
        }
        if (value instanceof BigDecimal decimal && Double.isInfinite(decimal.doubleValue())) {
            throw invalidNumber(field, "must be within the range of a double (about 1.8e308)");
        }
        return value;
    }

    /**
     * Checks a structured value recursively: map keys and string values as {@link #text}, numbers
     * as {@link #number}, lists, arrays and nested maps element by element. Booleans, null and
     * other objects pass.
     *
     * @param field the field's wire name; nested values are named {@code field.key} and {@code field[i]}
     * @throws InvalidRequestException code {@value #INVALID_TEXT} or {@value #INVALID_NUMBER}
     */
    public static void value(String field, Object value) {
        if (value instanceof String s) {
            text(field, s);
        } else if (value instanceof Number n) {
            number(field, n);
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                text(field, key);
                value(field + "." + key, e.getValue());
            }
        } else if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object element : list) {
                value(field + "[" + i++ + "]", element);
            }
        } else if (value instanceof Object[] array) {
            for (int i = 0; i < array.length; i++) {
                value(field + "[" + i + "]", array[i]);
            }
        }
    }

    private static InvalidRequestException invalidText(String field, String problem) {
        return new InvalidRequestException(INVALID_TEXT, field, field + " " + problem);
    }

    private static InvalidRequestException invalidNumber(String field, String problem) {
        return new InvalidRequestException(INVALID_NUMBER, field, field + " " + problem);
    }
}
