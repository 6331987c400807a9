"""ms per DPoP replay-cache write (RFC 9449 §11.1): PostgreSQL, Redis, a flushed insert.

    python bench/replay_write.py [--writes 200] [--rounds 7] [--postgres URL] [--redis URL]

Every DPoP proof the token service accepts is one ``first_use`` write, on the request's
path. Contenders, interleaved for ``--rounds`` rounds (median of the rounds' medians):

* ``postgres``: ``PostgresStore.first_use``, the storage-backed replay cache (its own
  transaction with ``synchronous_commit`` off: no wait for the WAL flush);
* ``postgres, flushed``: the same statement as a plain autocommit ``INSERT``, which waits
  for the flush: what a durable write costs on this disk;
* ``redis``: ``RedisReplayCache.first_use`` (``SET NX`` with an expiry), when Redis is up.

PostgreSQL gets a throw-away schema (``--schema`` prefix), Redis a key prefix; both are
removed at the end.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from collections.abc import Callable

from gatehouse.storage.postgres import PostgresStore
from gatehouse.storage.sql_dpop import _FIRST_USE

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/0"


def _median_ms(write: Callable[[str], object], n: int) -> float:
    times = []
    for _ in range(n):
        key = secrets.token_urlsafe(32)
        start = time.perf_counter()
        write(key)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200, help="writes per round")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    parser.add_argument("--postgres", default=POSTGRES, help="PostgreSQL URL")
    parser.add_argument("--redis", default=REDIS, help="Redis URL ('' to skip)")
    parser.add_argument("--schema", default="bench_replay", help="schema prefix")
    args = parser.parse_args()
    schema = f"{args.schema}_{secrets.token_hex(4)}"
    prefix = f"bench_replay:{secrets.token_hex(4)}:"
    store = PostgresStore(args.postgres, schema=schema, pool_size=1)  # creates, migrates
    redis_cache = None
    try:
        now = time.time()
        contenders: dict[str, Callable[[str], object]] = {
            "postgres": lambda k: store.first_use(k, expires_at=now + 60, now=now),
            "postgres, flushed": lambda k: store._execute(_FIRST_USE, (k, now + 60, now)),
        }
        if args.redis:
            from gatehouse.storage.redis_dpop import RedisReplayCache

            redis_cache = RedisReplayCache(args.redis, prefix=prefix)
            contenders["redis"] = lambda k: redis_cache.first_use(k, expires_at=now + 60, now=now)
        for write in contenders.values():
            _median_ms(write, 20)  # connections open, statements prepared
        rounds: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, write in contenders.items():
                rounds[name].append(_median_ms(write, args.writes))
    finally:
        store.close()
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())
        if redis_cache is not None:
            import redis

            client = redis.Redis.from_url(args.redis)
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
            client.close()
            redis_cache.close()
    result = {name: statistics.median(values) for name, values in rounds.items()}
    flushed = result["postgres, flushed"]
    print(f"DPoP replay write, ms (median of {args.rounds} rounds of {args.writes})")
    for name, ms in result.items():
        print(f"  {name:20} {ms:7.3f} ms  {ms / flushed:5.2f}x the flushed insert")


if __name__ == "__main__":
    main()
