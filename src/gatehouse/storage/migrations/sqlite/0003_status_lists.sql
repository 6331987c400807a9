-- Token Status Lists (draft-ietf-oauth-status-list) and the revocation outbox.
-- status_lists: one row per list the issuer has ever opened; list_id is never reused
--   (a retired list keeps its row with retired_at set: a verifier's cached copy of a
--   retired id must never describe new tokens).
--   size: entries in the list (bits); claimed: indices handed out (full at half);
--   version: the content version, bumped in the transaction that flips a bit (the ETag);
--   expires_at: the latest exp of any token claimed in it (retire after it).
-- status_entries: one claimed index (PRIMARY KEY (list_id, idx): the unique constraint an
--   allocation race resolves on); the token it was given to (jti), and the session, account
--   and client it was issued under, so ending any of them finds the bits to flip.
--   status: 0 = VALID, 1 = INVALID (draft §7.1), 1-bit lists.
-- revocation_outbox: deny-list entries committed with the revocation and mirrored to the
--   deny-list store (Redis) after commit; a row leaves only once mirrored.

CREATE TABLE status_lists (
    list_id    INTEGER PRIMARY KEY,
    size       INTEGER NOT NULL,
    claimed    INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    retired_at REAL
);
CREATE INDEX status_lists_open ON status_lists (retired_at, list_id);

CREATE TABLE status_entries (
    list_id    INTEGER NOT NULL,
    idx        INTEGER NOT NULL,
    jti        TEXT NOT NULL,
    sid        TEXT,
    account_id TEXT,
    client_id  TEXT,
    expires_at REAL NOT NULL,
    status     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (list_id, idx)
) WITHOUT ROWID;
CREATE INDEX status_entries_by_jti ON status_entries (jti);
CREATE INDEX status_entries_by_sid ON status_entries (sid);
CREATE INDEX status_entries_by_account ON status_entries (account_id);
CREATE INDEX status_entries_by_client ON status_entries (client_id);

CREATE TABLE revocation_outbox (
    kind       TEXT NOT NULL CHECK (kind IN ('jti', 'sid')),
    value      TEXT NOT NULL,
    expires_at REAL NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;
