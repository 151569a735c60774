-- The inbox model beyond read/unread: seen, archived, snoozed, expiring notifications, replace keys,
-- actions, and a log of inbox changes for stream replay. Portable between H2 (2.x) and PostgreSQL.

ALTER TABLE notify_notification ADD COLUMN seen_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE notify_notification ADD COLUMN archived_at TIMESTAMP WITH TIME ZONE;
-- Hidden until then; the snooze waker clears it when due (and marks the notification unseen).
ALTER TABLE notify_notification ADD COLUMN snoozed_until TIMESTAMP WITH TIME ZONE;
-- Hidden from then on; housekeeping deletes it.
ALTER TABLE notify_notification ADD COLUMN expires_at TIMESTAMP WITH TIME ZONE;
-- Set when a send with the same replace key replaced the row (new content and a new seq).
ALTER TABLE notify_notification ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE notify_notification ADD COLUMN replace_key VARCHAR(255);
ALTER TABLE notify_notification ADD COLUMN category VARCHAR(100);
-- JSON array of up to 3 actions, or null for none.
ALTER TABLE notify_notification ADD COLUMN actions VARCHAR(16384);

-- One row per recipient and key: a send with a key updates it (several nulls are allowed).
ALTER TABLE notify_notification ADD CONSTRAINT uq_notify_notification_key UNIQUE (recipient, replace_key);

CREATE INDEX ix_notify_notification_category ON notify_notification (recipient, category, seq);
CREATE INDEX ix_notify_notification_priority ON notify_notification (recipient, priority, seq);
CREATE INDEX ix_notify_notification_seen ON notify_notification (recipient, seen_at);
CREATE INDEX ix_notify_notification_archived ON notify_notification (recipient, archived_at);
CREATE INDEX ix_notify_notification_snoozed ON notify_notification (snoozed_until);
CREATE INDEX ix_notify_notification_expires ON notify_notification (expires_at);

-- Every inbox change other than a new or replaced notification (read, seen, archived, deleted,
-- snoozed, an action...), numbered from the recipient's counter (notify_recipient.last_seq) like
-- the notifications, so that a stream replays notifications and changes after a cursor in order.
-- fields: the stream event's JSON fields. Housekeeping deletes entries older than the retention.
CREATE TABLE notify_inbox_change (
    recipient       VARCHAR(255)             NOT NULL,
    seq             BIGINT                   NOT NULL,
    kind            VARCHAR(32)              NOT NULL,
    notification_id BIGINT                   NOT NULL,
    fields          VARCHAR(65535)           NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (recipient, seq)
);

CREATE INDEX ix_notify_inbox_change_created ON notify_inbox_change (created_at);

-- Callback actions performed: the primary key records each action of a notification once.
CREATE TABLE notify_action_performed (
    notification_id BIGINT                   NOT NULL,
    action_id       VARCHAR(64)              NOT NULL,
    recipient       VARCHAR(255)             NOT NULL,
    performed_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (notification_id, action_id)
);
