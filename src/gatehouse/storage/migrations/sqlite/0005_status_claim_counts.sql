-- Token Status Lists: the claim count of a list, spread over rows so concurrent claims
-- do not queue on one row (PostgreSQL; see migrations/postgres/0005). SQLite has one
-- writer at a time and counts in status_lists.claimed; the table exists so the shared
-- SQL that reads a list's count (its row's claimed plus its slots') is one text.

CREATE TABLE status_claim_counts (
    list_id    INTEGER NOT NULL,
    slot       INTEGER NOT NULL,
    claimed    INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (list_id, slot)
);

-- status_entries_by_account (0003) is never read: an account's entries are found through
-- its sessions (status_entries_by_sid), as sql_status._BY_ACCOUNT does, because an
-- account's tokens are always a session's. It only cost every issued token one more
-- index insert (on PostgreSQL the same leaf page for every token of one account).
DROP INDEX status_entries_by_account;
