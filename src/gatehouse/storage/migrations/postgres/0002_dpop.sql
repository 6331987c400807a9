-- DPoP (RFC 9449): sender-constrained refresh families, per-client policy, shared replay.
-- Same columns as the SQLite migration 0002.
-- sessions.jkt: the RFC 7638 thumbprint a public client's refresh family is bound to
--   (RFC 9449 §5.0); NULL for an unbound family (confidential clients, bearer logins).
-- clients.require_dpop: the token endpoint refuses this client's requests without a proof.
-- dpop_replay: proof jti keys accepted once until expires_at (RFC 9449 §11.1), shared by
--   every instance on this database; the index bounds the purge of expired rows.

ALTER TABLE sessions ADD COLUMN jkt TEXT;

ALTER TABLE clients ADD COLUMN require_dpop BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE dpop_replay (
    key        TEXT PRIMARY KEY,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX dpop_replay_by_expiry ON dpop_replay (expires_at);
