"""Status list build time and size for 10k, 100k and 1M live tokens, issuer side.

    python bench/status_list_build.py [--sizes 10000,100000,1000000] [--revoked 0.01]

The live tokens' entries are bulk-loaded into a SQLite store (setup, not measured) at
random indices of one list sized so they fill it to half, ``--revoked`` of them INVALID.
Then each round sets one more token's bit through the store (``revoke_access_token``:
the version bumps) and times ``TokenService.status_list_token`` (the issuer's real build
path: read the INVALID indices, set the bits, ZLIB level 9, sign ES256), median of 5,
and reports the token's size. A request between two revocations is a cache hit (one
indexed read); that is timed too.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from gatehouse import ManualClock
from gatehouse.issuer import FAST_TEST_PROFILE, IssuerConfig, KeyEncryptionKey, TokenService
from gatehouse.issuer.status_config import StatusListConfig
from gatehouse.storage.ports import Stores
from gatehouse.storage.sqlite import SQLiteStore

ISSUER = "https://issuer.example"


def _list_size(live: int) -> int:
    size = 1024
    while size // 2 < live:
        size *= 2
    return size


def run(live: int, revoked: float, folder: Path) -> tuple[int, float, float, int]:
    clock = ManualClock()
    path = folder / f"{live}.db"
    store = SQLiteStore(path, clock=clock)
    size = _list_size(live)
    config = IssuerConfig(issuer=ISSUER, default_audience="api", password_profile=FAST_TEST_PROFILE)
    service = TokenService(
        config,
        Stores.single(store),
        KeyEncryptionKey.generate(),
        clock=clock,
        status_lists=StatusListConfig(list_size=size),
    )
    service.bootstrap()
    store.open_status_list(size=size, now=clock.time())
    rng = random.Random(7)
    indices = rng.sample(range(size), live)
    exp = clock.time() + 600
    rows = [
        (1, idx, f"j{n}", f"s{n}", "acct", "web", exp, int(rng.random() < revoked))
        for n, idx in enumerate(indices)
    ]
    with sqlite3.connect(path) as raw:
        raw.executemany("INSERT INTO status_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        raw.execute("UPDATE status_lists SET claimed = ? WHERE list_id = 1", (live,))
    builds: list[float] = []
    hits: list[float] = []
    token_bytes = 0
    for n in range(5):
        store.revoke_access_token(f"j{n}", now=clock.time(), expires_at=exp)
        started = time.perf_counter()
        served = service.status_list_token(1)
        builds.append(time.perf_counter() - started)
        assert served is not None
        token_bytes = len(served.token)
        started = time.perf_counter()
        service.status_list_token(1)
        hits.append(time.perf_counter() - started)
    store.close()
    return size, statistics.median(builds), statistics.median(hits), token_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--revoked", type=float, default=0.01)
    args = parser.parse_args()
    print(f"status list build, SQLite, {args.revoked:.0%} of live tokens revoked")
    print(f"{'live':>9}{'list bits':>11}{'build ms':>10}{'hit ms':>8}{'token KiB':>11}")
    with tempfile.TemporaryDirectory() as folder:
        for live in (int(s) for s in args.sizes.split(",")):
            size, build, hit, token_bytes = run(live, args.revoked, Path(folder))
            print(
                f"{live:>9}{size:>11}{build * 1e3:>10.1f}{hit * 1e3:>8.2f}"
                f"{token_bytes / 1024:>11.1f}"
            )


if __name__ == "__main__":
    main()
