-- PostgreSQL only: partial indexes, which H2 lacks. Version numbers are shared with
-- dev/notify/db/migration: the next migration in either folder takes the next free number.
--
-- Inbox queries and the indexes serving them:
--   list, replay after a cursor   (recipient, seq)           uq_notify_notification_seq
--   list by type                  (recipient, type, seq)     ix_notify_notification_type
--   unread count, unread list,    (recipient, seq) WHERE read_at IS NULL   (below)
--   mark all read
--   get, mark read, delete        id                         primary key
--   housekeeping of read rows     (read_at) WHERE read_at IS NOT NULL      (below)

-- Only unread rows: small however long inboxes grow, and COUNT(*) of one recipient's unread
-- notifications is an index-only scan of just those rows.
CREATE INDEX ix_notify_notification_unread ON notify_notification (recipient, seq) WHERE read_at IS NULL;

-- Housekeeping deletes notifications read before a cut-off; without this it scans the table.
CREATE INDEX ix_notify_notification_read_at ON notify_notification (read_at) WHERE read_at IS NOT NULL;

-- Outbox claims (status IN ('pending', 'retrying') AND due_at <= now ORDER BY due_at, id):
-- only rows still to deliver, already in claim order. Delivered rows, kept for days, stay out.
CREATE INDEX ix_notify_outbox_claimable ON notify_outbox (due_at, id) WHERE status IN ('pending', 'retrying');
