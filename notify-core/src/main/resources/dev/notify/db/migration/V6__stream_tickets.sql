-- Short-lived, single-use stream tickets (what a browser puts in ?ticket= for EventSource and
-- WebSocket), kept in the database so that a ticket issued by one node works on any other.
-- Only the ticket's SHA-256 hash is stored. Portable between H2 (2.x) and PostgreSQL.
CREATE TABLE notify_stream_ticket (
    ticket_hash VARCHAR(64)              NOT NULL PRIMARY KEY,
    recipient   VARCHAR(255)             NOT NULL,
    scopes      VARCHAR(1000)            NOT NULL,
    expires_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX ix_notify_stream_ticket_expires ON notify_stream_ticket (expires_at);
