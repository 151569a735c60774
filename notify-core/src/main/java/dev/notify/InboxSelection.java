package dev.notify;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Which notifications of one inbox a bulk operation changes: some ids, every one of a type, every
 * one before a sequence number, or all. At most one of the three criteria is given; none means
 * all. A bulk operation only changes notifications that existed when it ran (its stream event
 * applies to those with a lower sequence number than its own).
 *
 * @param ids       notification ids, 1 to {@value Limits#PAGE_MAX} distinct ones; or empty
 * @param type      a notification type, or null
 * @param beforeSeq every notification with a sequence number below this one ({@code >= 1}); or 0
 */
public record InboxSelection(List<Long> ids, String type, long beforeSeq) {

    /**
     * @throws InvalidRequestException if more than one criterion is given or one is out of range
     */
    public InboxSelection {
        InputRules.text("notification_type", type);
        ids = ids == null ? List.of() : List.copyOf(new LinkedHashSet<>(ids));
        if (type != null && type.isBlank()) {
            throw InvalidRequestException.field("notification_type", "must not be blank");
        }
        if (ids.size() > Limits.PAGE_MAX) {
            throw InvalidRequestException.field("ids", "must be at most " + Limits.PAGE_MAX + " but were "
                    + ids.size());
        }
        if (beforeSeq < 0) {
            throw InvalidRequestException.field("before_seq", "must be >= 1 but was " + beforeSeq);
        }
        int given = (ids.isEmpty() ? 0 : 1) + (type == null ? 0 : 1) + (beforeSeq == 0 ? 0 : 1);
        if (given > 1) {
            throw InvalidRequestException.field("ids",
                    "ids, notification_type and before_seq exclude each other; give one of them (or none for all)");
        }
    }

    /** Every notification. */
    public static InboxSelection all() {
        return new InboxSelection(List.of(), null, 0);
    }

    /** These notifications (ids of others' notifications or of none are skipped). */
    public static InboxSelection ids(List<Long> ids) {
        if (ids == null || ids.isEmpty()) {
            throw InvalidRequestException.field("ids", "must name at least one notification");
        }
        return new InboxSelection(ids, null, 0);
    }

    /** Every notification of one type. */
    public static InboxSelection ofType(String type) {
        if (type == null) {
            throw InvalidRequestException.field("notification_type", "is required");
        }
        return new InboxSelection(List.of(), type, 0);
    }

    /** Every notification with a sequence number below {@code seq}. */
    public static InboxSelection before(long seq) {
        if (seq < 1) {
            throw InvalidRequestException.field("before_seq", "must be >= 1 but was " + seq);
        }
        return new InboxSelection(List.of(), null, seq);
    }

    /** Every notification with a sequence number up to {@code seq}, inclusive. */
    public static InboxSelection upTo(long seq) {
        if (seq < 0 || seq == Long.MAX_VALUE) {
            throw InvalidRequestException.field("up_to_seq", "must be >= 0 but was " + seq);
        }
        return before(seq + 1);
    }

    /**
     * The selection as stream event fields: {@code notification_ids}, {@code notification_type}
     * or {@code before_seq}, or nothing for all.
     */
    public Map<String, Object> fields() {
        var f = new LinkedHashMap<String, Object>();
        if (!ids.isEmpty()) {
            f.put("notification_ids", ids);
        } else if (type != null) {
            f.put("notification_type", type);
        } else if (beforeSeq > 0) {
            f.put("before_seq", beforeSeq);
        }
        return f;
    }
}
