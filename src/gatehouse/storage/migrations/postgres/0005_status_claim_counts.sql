-- Token Status Lists: the claim count of a list, spread over rows so concurrent claims
-- do not queue on one row.
-- Counting every claim in the list's own row (status_lists.claimed) made that row the
-- hottest in the database: each refresh's transaction updated it and held its lock until
-- COMMIT (a WAL flush), so concurrent refreshes committed one after another and spent
-- PostgreSQL CPU on the lock waits (TokenService.refresh from 8 threads, 2 shared cores:
-- 0.85-1.13 ms of backend CPU per refresh with the count in the list's row, 0.54-0.58 ms
-- with it spread, and 280-570 against 650-670 refreshes/s).
-- status_claim_counts: claims of a list counted apart, one row per slot (a backend's pid
-- modulo 64, so two transactions rarely share one): a list's claimed count is its row's
-- claimed plus the sum of its slots, its expires_at the greater of its row's and its
-- slots'. fillfactor 50 leaves room on each page for the updated versions (HOT updates).

CREATE TABLE status_claim_counts (
    list_id    BIGINT NOT NULL,
    slot       INTEGER NOT NULL,
    claimed    BIGINT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (list_id, slot)
) WITH (fillfactor = 50);

-- status_entries_by_account (0003) is never read: an account's entries are found through
-- its sessions (status_entries_by_sid), as sql_status._BY_ACCOUNT does, because an
-- account's tokens are always a session's. It only cost every issued token one more
-- index insert (on PostgreSQL the same leaf page for every token of one account).
DROP INDEX status_entries_by_account;
