-- PostgreSQL only: partial indexes for the inbox states of V8, in place of its plain ones, so that
-- the rows of the common case (unseen, not archived, not snoozed, not expiring) stay out of them.
--
--   unseen count, unseen list     (recipient, seq) WHERE seen_at IS NULL AND visible   (below)
--   unread count                  (recipient, seq) WHERE read_at IS NULL AND visible   (below)
--   archived list                 (recipient, seq) WHERE archived_at IS NOT NULL       (below)
--   snooze waker (due snoozes)    (snoozed_until) WHERE snoozed_until IS NOT NULL      (below)
--   expiry, housekeeping          (expires_at) WHERE expires_at IS NOT NULL            (below)
-- "visible": not archived and not snoozed. Expiry is checked against expires_at, which the
-- indexes carry (INCLUDE), so the counts stay index-only scans.

DROP INDEX ix_notify_notification_seen;
DROP INDEX ix_notify_notification_archived;
DROP INDEX ix_notify_notification_snoozed;
DROP INDEX ix_notify_notification_expires;

CREATE INDEX ix_notify_notification_unseen ON notify_notification (recipient, seq) INCLUDE (expires_at)
    WHERE seen_at IS NULL AND archived_at IS NULL AND snoozed_until IS NULL;
CREATE INDEX ix_notify_notification_unread_visible ON notify_notification (recipient, seq) INCLUDE (expires_at)
    WHERE read_at IS NULL AND archived_at IS NULL AND snoozed_until IS NULL;
CREATE INDEX ix_notify_notification_archived ON notify_notification (recipient, seq)
    WHERE archived_at IS NOT NULL;
CREATE INDEX ix_notify_notification_snoozed ON notify_notification (snoozed_until)
    WHERE snoozed_until IS NOT NULL;
CREATE INDEX ix_notify_notification_expires ON notify_notification (expires_at)
    WHERE expires_at IS NOT NULL;
