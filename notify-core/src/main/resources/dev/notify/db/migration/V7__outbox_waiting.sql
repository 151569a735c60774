-- Rows set aside while their destination's circuit breaker is open hold the breaker's key
-- ("<channel> <route>"). When a probe of that destination succeeds, every row waiting for it is
-- made due at once, on whichever node the probe ran.
ALTER TABLE notify_outbox ADD COLUMN waiting_for VARCHAR(300);
CREATE INDEX ix_notify_outbox_waiting ON notify_outbox (waiting_for);
-- Lease owners are "<node id>/<incarnation>/<claim>": room for a 40-character node id.
ALTER TABLE notify_outbox ALTER COLUMN lease_owner SET DATA TYPE VARCHAR(100);
