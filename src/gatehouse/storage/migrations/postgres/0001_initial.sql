-- gatehouse token service: initial schema (PostgreSQL).
-- Same columns as the SQLite schema (storage/sql_rows.py maps both): times are
-- DOUBLE PRECISION seconds since the epoch, sets are sorted JSON arrays in TEXT,
-- hashes are BYTEA. Unqualified names: the adapter sets search_path to its schema.

CREATE TABLE accounts (
    account_id          TEXT PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    email               TEXT UNIQUE,
    password_hash       TEXT NOT NULL,
    roles               TEXT NOT NULL DEFAULT '[]',
    allowed_scopes      TEXT NOT NULL DEFAULT '[]',
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          DOUBLE PRECISION NOT NULL,
    updated_at          DOUBLE PRECISION NOT NULL,
    password_changed_at DOUBLE PRECISION NOT NULL
);

CREATE TABLE sessions (
    sid                 TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL,
    client_id           TEXT,
    audience            TEXT NOT NULL,
    scope               TEXT NOT NULL DEFAULT '[]',
    created_at          DOUBLE PRECISION NOT NULL,
    last_used_at        DOUBLE PRECISION NOT NULL,
    idle_expires_at     DOUBLE PRECISION NOT NULL,
    absolute_expires_at DOUBLE PRECISION NOT NULL,
    revoked_at          DOUBLE PRECISION,
    revoke_reason       TEXT
);
CREATE INDEX sessions_by_account ON sessions (account_id, created_at);

CREATE TABLE refresh_tokens (
    token_hash       BYTEA PRIMARY KEY,
    sid              TEXT NOT NULL REFERENCES sessions (sid) ON DELETE CASCADE,
    issued_at        DOUBLE PRECISION NOT NULL,
    parent_hash      BYTEA,
    spent_at         DOUBLE PRECISION,
    successor_hash   BYTEA,
    sealed_successor BYTEA
);
CREATE INDEX refresh_tokens_by_sid ON refresh_tokens (sid);

CREATE TABLE clients (
    client_id         TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    secret_hash       BYTEA,
    allowed_audiences TEXT NOT NULL DEFAULT '[]',
    allowed_scopes    TEXT NOT NULL DEFAULT '[]',
    grant_types       TEXT NOT NULL DEFAULT '[]',
    disabled          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        DOUBLE PRECISION NOT NULL,
    updated_at        DOUBLE PRECISION NOT NULL
);

CREATE TABLE signing_keys (
    kid              TEXT PRIMARY KEY,
    alg              TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('next', 'active', 'retired', 'removed')),
    public_jwk       TEXT NOT NULL,
    sealed_private   BYTEA NOT NULL,
    created_at       DOUBLE PRECISION NOT NULL,
    state_changed_at DOUBLE PRECISION NOT NULL
);

CREATE TABLE denied_tokens (
    kind       TEXT NOT NULL CHECK (kind IN ('jti', 'sid')),
    value      TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (kind, value)
);

CREATE TABLE throttle_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start DOUBLE PRECISION NOT NULL
);

CREATE TABLE throttle_locks (
    key          TEXT PRIMARY KEY,
    locked_until DOUBLE PRECISION NOT NULL
);
