-- PostgreSQL only: partial indexes for the inbox states of V8, in place of its plain ones, so that
-- the rows of the common case (unseen, not archived, not snoozed, not expiring) stay out of them.
--
--   unseen count, unseen list     (recipient, seq) WHERE seen_at IS NULL AND visible   (below)
--   unread count                  (recipient, seq) WHERE read_at IS NULL AND visible   (below)
--   archived list                 (recipient, seq) WHERE archived_at IS NOT NULL       (below)
--   snoozed list                  (recipient, seq) WHERE snoozed_until IS NOT NULL     (below)
--   send with a replace key       (recipient, replace_key) WHERE replace_key IS NOT NULL, unique
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
-- The snoozed list (recipient, seq) WHERE snoozed_until IS NOT NULL: a few rows, in list order.
CREATE INDEX ix_notify_notification_snoozed_list ON notify_notification (recipient, seq)
    WHERE snoozed_until IS NOT NULL;

-- Replace keys: unique per recipient, indexed only where there is one (most rows have none).
ALTER TABLE notify_notification DROP CONSTRAINT uq_notify_notification_key;
CREATE UNIQUE INDEX uq_notify_notification_key ON notify_notification (recipient, replace_key)
    WHERE replace_key IS NOT NULL;
