-- gatehouse token service: initial schema (SQLite).
-- Times are REAL seconds since the epoch; sets are JSON arrays (sorted); hashes are BLOBs.

CREATE TABLE accounts (
    account_id          TEXT PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    email               TEXT UNIQUE,
    password_hash       TEXT NOT NULL,
    roles               TEXT NOT NULL DEFAULT '[]',
    allowed_scopes      TEXT NOT NULL DEFAULT '[]',
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          REAL NOT NULL,
    updated_at          REAL NOT NULL,
    password_changed_at REAL NOT NULL
);

CREATE TABLE sessions (
    sid                 TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL,
    client_id           TEXT,
    audience            TEXT NOT NULL,
    scope               TEXT NOT NULL DEFAULT '[]',
    created_at          REAL NOT NULL,
    last_used_at        REAL NOT NULL,
    idle_expires_at     REAL NOT NULL,
    absolute_expires_at REAL NOT NULL,
    revoked_at          REAL,
    revoke_reason       TEXT
);
CREATE INDEX sessions_by_account ON sessions (account_id, created_at);

CREATE TABLE refresh_tokens (
    token_hash       BLOB PRIMARY KEY,
    sid              TEXT NOT NULL REFERENCES sessions (sid) ON DELETE CASCADE,
    issued_at        REAL NOT NULL,
    parent_hash      BLOB,
    spent_at         REAL,
    successor_hash   BLOB,
    sealed_successor BLOB
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_sid ON refresh_tokens (sid);

CREATE TABLE clients (
    client_id         TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    secret_hash       BLOB,
    allowed_audiences TEXT NOT NULL DEFAULT '[]',
    allowed_scopes    TEXT NOT NULL DEFAULT '[]',
    grant_types       TEXT NOT NULL DEFAULT '[]',
    disabled          INTEGER NOT NULL DEFAULT 0,
    created_at        REAL NOT NULL,
    updated_at        REAL NOT NULL
);

CREATE TABLE signing_keys (
    kid              TEXT PRIMARY KEY,
    alg              TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('next', 'active', 'retired', 'removed')),
    public_jwk       TEXT NOT NULL,
    sealed_private   BLOB NOT NULL,
    created_at       REAL NOT NULL,
    state_changed_at REAL NOT NULL
);

CREATE TABLE denied_tokens (
    kind       TEXT NOT NULL CHECK (kind IN ('jti', 'sid')),
    value      TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;

CREATE TABLE throttle_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE throttle_locks (
    key          TEXT PRIMARY KEY,
    locked_until REAL NOT NULL
) WITHOUT ROWID;
