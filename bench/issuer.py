"""Token-service throughput, printed as a table (a script, not a test).

    python bench/issuer.py [--logins 60] [--refreshes 3000] [--backends sqlite,postgres,redis]

Rows:
* argon2id verify alone (the floor a login cannot beat), with the default profile;
* argon2id verify with a ``store.ping`` before and a committed insert after: the ceiling
  of a login that reserves its throttle attempt before the hash and writes its session
  after, durably;
* logins/s through ``TokenService.login`` (argon2 + session insert + ES256 signature),
  without and with a client address (an HTTP login's second throttle key), and the
  ratio to the floor (target ≥ 0.9); then a login without the hash (the test profile):
  wall and CPU ms, what the backend adds to the argon2 floor;
* refresh rotations/s through ``TokenService.refresh`` per backend and client count
  (targets: SQLite ≥ 2,000/s with 1 client; PostgreSQL ≥ 1,000/s with 16);
* the storage rotation transaction alone, and deny-list lookups (``is_denied``, what a
  resource server asks per request) on each backend, Redis included.

Backends: ``sqlite`` (a file in a temporary folder) and ``postgres`` (a throw-away schema
in ``$GATEHOUSE_BENCH_POSTGRES``, default ``postgresql://postgres@127.0.0.1:5432/test``,
dropped afterwards). For PostgreSQL the table also shows the floor a client cannot beat:
``SELECT 1`` round trips per second through the same pool. ``redis`` (a throw-away key
prefix in ``$GATEHOUSE_BENCH_REDIS``) has only the deny-list row.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from gatehouse.issuer import (
    DEFAULT_PROFILE,
    FAST_TEST_PROFILE,
    IssuerConfig,
    KeyEncryptionKey,
    PasswordHasher,
    TokenService,
)
from gatehouse.storage.ports import Stores
from gatehouse.storage.records import (
    DenyKind,
    RefreshTokenRecord,
    RotationRequest,
    SessionRecord,
)
from gatehouse.storage.sqlite import SQLiteStore

REDIS = os.environ.get("GATEHOUSE_BENCH_REDIS", "redis://127.0.0.1:6379/0")
POSTGRES = os.environ.get("GATEHOUSE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# Where the bench writes (dropped afterwards); --schema / --redis-prefix override them.
NAMES = {
    "schema": f"gh_bench_{secrets.token_hex(4)}",
    "redis_prefix": f"gh_bench:{secrets.token_hex(4)}:",
}


@contextmanager
def open_sqlite() -> Iterator[Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        try:
            yield store
        finally:
            store.close()


@contextmanager
def open_postgres() -> Iterator[Any]:
    import psycopg

    from gatehouse.storage.postgres import PostgresStore

    schema = NAMES["schema"]
    store = PostgresStore(POSTGRES, schema=schema, pool_size=16)
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE".encode())


Opener = Callable[[], AbstractContextManager[Any]]
BACKENDS: dict[str, tuple[Opener, list[int]]] = {
    "sqlite": (open_sqlite, [1]),
    "postgres": (open_postgres, [1, 16]),
}


def rate_with_clients(clients: int, n: int, step: Callable[[int], Callable[[], None]]) -> float:
    """Operations per second with ``clients`` threads doing ``n`` operations between them.

    ``step(i)`` gives client ``i`` its one operation; every client starts at one barrier
    and the clock runs until the last one finishes.
    """
    per_client = max(1, n // clients)
    barrier = threading.Barrier(clients + 1)

    def run(i: int) -> None:
        operation = step(i)
        barrier.wait()
        for _ in range(per_client):
            operation()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return per_client * clients / (time.perf_counter() - start)


def round_trips(store: Any, n: int, clients: int) -> float:
    """``SELECT 1`` per second through the store's own read path: the network floor."""
    return rate_with_clients(clients, n, lambda _: store.ping)


def _config(profile: Any = DEFAULT_PROFILE) -> IssuerConfig:
    return IssuerConfig(
        issuer="https://issuer.example",
        default_audience="https://api.example",
        password_profile=profile,
    )


def logins_vs_floor(
    store: Any, kek: KeyEncryptionKey, n: int, *, remote_addr: str | None = None
) -> tuple[float, float, float]:
    """(argon2 verifies/s, the same with a round trip before and after, logins/s),
    measured in alternating batches of 5 so that load from other processes on a shared
    CPU hits all three alike. ``remote_addr``: the client address an HTTP login always
    has (a second throttle key).

    The middle one is the ceiling of any login that counts a guess before its hash and
    durably writes its session after it: ``store.ping`` (``SELECT 1`` on PostgreSQL)
    before the hash and one committed one-row insert after it (a deny-list entry, one
    statement in autocommit). On this virtual machine that commit costs ~1.0 ms after
    25 ms of hashing against ~0.2 ms back to back: the idle server process and disk
    have to be woken, the WAL flush waits for the disk."""
    hasher = PasswordHasher(DEFAULT_PROFILE)
    password = "correct horse battery staple"
    stored = hasher.hash(password)
    service = TokenService(_config(), Stores.single(store), kek)
    service.bootstrap()
    user = f"bench-l{secrets.token_hex(4)}"
    service.create_account(user, password)
    service.login(user, password, remote_addr=remote_addr)  # warm the key cache
    floor_time = trips_time = login_time = 0.0
    for _ in range(max(1, n // 5)):
        start = time.perf_counter()
        for _ in range(5):
            hasher.verify(stored, password)
        floor_time += time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(5):
            store.ping()
            hasher.verify(stored, password)
            store.deny(DenyKind.SID, f"bench-ceiling-{secrets.token_hex(8)}", expires_at=1.0)
        trips_time += time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(5):
            service.login(user, password, remote_addr=remote_addr)
        login_time += time.perf_counter() - start
    done = max(1, n // 5) * 5
    return done / floor_time, done / trips_time, done / login_time


def login_overhead(store: Any, kek: KeyEncryptionKey, n: int) -> tuple[float, float]:
    """(wall ms, CPU ms) per login with the test profile (argon2 at 8 KiB: µs) and a
    client address: everything a login costs but the hash, the part a backend adds.
    CPU time is this process's (PostgreSQL's own work and the waits are not in it)."""
    service = TokenService(_config(FAST_TEST_PROFILE), Stores.single(store), kek)
    service.bootstrap()
    user = f"bench-o{secrets.token_hex(4)}"
    service.create_account(user, "pw")
    for _ in range(20):
        service.login(user, "pw", remote_addr="192.0.2.1")
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        service.login(user, "pw", remote_addr="192.0.2.1")
    return (time.perf_counter() - wall) * 1e3 / n, (time.process_time() - cpu) * 1e3 / n


def refreshes(store: Any, kek: KeyEncryptionKey, n: int, clients: int) -> float:
    service = TokenService(_config(FAST_TEST_PROFILE), Stores.single(store), kek)
    service.bootstrap()
    user = f"bench-r{secrets.token_hex(4)}"
    service.create_account(user, "pw")
    tokens = [service.login(user, "pw").refresh_token for _ in range(clients)]

    def step(i: int) -> Callable[[], None]:
        def refresh_once() -> None:
            tokens[i] = service.refresh(tokens[i]).refresh_token  # each client its own chain

        return refresh_once

    return rate_with_clients(clients, n, step)


def deny_checks(store: Any, n: int) -> float:
    """``is_denied`` lookups per second (what a resource server asks per request),
    half of them hits, from one client."""
    now = time.time()
    for i in range(0, 100, 2):
        store.deny(DenyKind.SID, f"bench-sid-{i}", expires_at=now + 600)
    start = time.perf_counter()
    for i in range(n):
        store.is_denied(jti=f"bench-jti-{i}", sid=f"bench-sid-{i % 100}", now=now)
    return n / (time.perf_counter() - start)


def store_rotations(store: Any, n: int) -> float:
    """The storage transaction alone: no access token signed, no account read."""
    now = time.time()
    first = hashlib.sha256(secrets.token_bytes(32)).digest()
    session = SessionRecord(
        sid=secrets.token_hex(8),
        account_id="bench",
        audience="https://api.example",
        scope=frozenset(),
        created_at=now,
        last_used_at=now,
        idle_expires_at=now + 3600,
        absolute_expires_at=now + 7200,
    )
    store.create_session(session, RefreshTokenRecord(first, session.sid, issued_at=now))
    current = first
    start = time.perf_counter()
    for _ in range(n):
        successor = hashlib.sha256(secrets.token_bytes(32)).digest()
        store.rotate_refresh_token(
            RotationRequest(current, successor, b"x" * 60, time.time(), 3600, 10)
        )
        current = successor
    return n / (time.perf_counter() - start)


TARGETS = {("sqlite", 1): 2000.0, ("postgres", 16): 1000.0}


def measure(name: str, store: Any, client_counts: list[int], args: Any) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    kek = KeyEncryptionKey.generate()
    for label, addr in (("", None), (" + client address", "192.0.2.1")):
        floor, trips, rate = logins_vs_floor(store, kek, args.logins, remote_addr=addr)
        ratio = rate / floor
        verdict = "ok" if ratio >= 0.9 else "BELOW 0.9x"
        rows.append(("argon2id verify alone (m=19MiB,t=2,p=1)", f"{floor:,.1f}/s", "floor"))
        rows.append(
            (
                f"argon2id + a round trip before, a commit after, {name}",
                f"{trips:,.1f}/s",
                f"{trips / floor:.2f}x floor: a login's ceiling",
            )
        )
        rows.append((f"logins{label}, {name}", f"{rate:,.1f}/s", f"{ratio:.2f}x floor {verdict}"))
    wall, cpu = login_overhead(store, kek, args.logins * 10)
    rows.append(
        (f"login without the hash, {name}", f"{wall:.2f} ms", f"{cpu:.2f} ms CPU; test profile")
    )
    for clients in client_counts:
        if name == "postgres":
            rt = round_trips(store, args.refreshes, clients)
            rows.append((f"SELECT 1, {name}, {clients} client(s)", f"{rt:,.0f}/s", "network floor"))
        r = refreshes(store, kek, args.refreshes, clients)
        target = TARGETS.get((name, clients))
        note = "rotation + account read + ES256 access token"
        if target is not None:
            note += f"; {r / target:.2f}x target {target:,.0f}/s"
        rows.append((f"refresh via TokenService, {name}, {clients} client(s)", f"{r:,.0f}/s", note))
    alone = store_rotations(store, args.refreshes)
    rows.append((f"rotate_refresh_token alone, {name}", f"{alone:,.0f}/s", "storage, 1 client"))
    checks = deny_checks(store, args.refreshes)
    rows.append((f"deny-list is_denied, {name}", f"{checks:,.0f}/s", "1 client"))
    return rows


@contextmanager
def open_redis() -> Iterator[Any]:
    from gatehouse.storage.redis_counters import RedisCounters

    store = RedisCounters(REDIS, prefix=NAMES["redis_prefix"])
    try:
        yield store
    finally:
        store.drop_all()
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument("--refreshes", type=int, default=3000)
    parser.add_argument("--backends", default=",".join([*BACKENDS, "redis"]))
    parser.add_argument("--schema", default=NAMES["schema"], help="throw-away PostgreSQL schema")
    parser.add_argument(
        "--redis-prefix", default=NAMES["redis_prefix"], help="throw-away key prefix"
    )
    args = parser.parse_args()
    NAMES.update(schema=args.schema, redis_prefix=args.redis_prefix)

    rows: list[tuple[str, ...]] = []
    for name in args.backends.split(","):
        if name == "redis":
            with open_redis() as counters:
                checks = deny_checks(counters, args.refreshes)
            rows.append(("deny-list is_denied, redis", f"{checks:,.0f}/s", "1 client"))
            continue
        opener, client_counts = BACKENDS[name]
        with opener() as store:
            rows.extend(measure(name, store, client_counts, args))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'rate':>12}  note")
    print("-" * (width + 30))
    for label, rate, note in rows:
        print(f"{label:<{width}}  {rate:>12}  {note}")


if __name__ == "__main__":
    main()
