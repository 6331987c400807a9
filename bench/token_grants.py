"""Latency of ``POST /token`` per grant over real HTTP, with and without a DPoP proof.

    python bench/token_grants.py [--requests 300] [--rounds 5] [--postgres URL]

One ``gatehouse serve --workers 1`` (SQLite in a temporary folder, or PostgreSQL in a
throw-away schema with ``--postgres``), one keep-alive connection, requests one after
another: what a single client waits per grant. Contenders, interleaved for ``--rounds``
rounds (median of the rounds' medians, in ms):

* ``refresh``: the first-party refresh grant (the session rotates every request);
* ``refresh + DPoP``: the same on a DPoP-bound session, a fresh proof each request;
* ``client_credentials``: a confidential client with its secret;
* ``client_credentials + DPoP``: the same with a proof.

A grant with DPoP costs the plain grant plus the proof's checks (an ECDSA verification,
a replay-store write): the ``DPoP cost`` column. Proofs are made before each timed batch,
so the client's signing is not timed. To compare two checkouts, run this with
``PYTHONPATH=<checkout>/src``: the server imports gatehouse from there.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from harness import free_port, pg_schemas, wait_answering

ISSUER = "https://issuer.example"
USER, PASSWORD = "alice", "correct horse battery staple"
GATEHOUSE = str(Path(sys.executable).parent / "gatehouse")


@contextmanager
def _schema(url: str | None, prefix: str) -> Iterator[str]:
    """A throw-away schema's name (created and dropped on PostgreSQL; unused on SQLite)."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    if url is None:
        yield name
        return
    with pg_schemas(url, [name]):
        yield name


def _prepare(workdir: Path, store: str, schema: str) -> tuple[dict[str, str], str, str]:
    """Config, keys, the account and a confidential client (id, secret)."""
    from gatehouse.jose import b64url_encode
    from gatehouse.service.compose import build_stores, build_token_service
    from gatehouse.service.settings import load_settings

    config = workdir / "gatehouse.toml"
    config.write_text(
        f'[issuer]\nurl = "{ISSUER}"\naudiences = ["https://api.example"]\n\n'
        f"[storage]\nurl = {json.dumps(store)}\nschema = {json.dumps(schema)}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "GATEHOUSE_CONFIG": str(config)}
    env["GATEHOUSE_KEK"] = b64url_encode(secrets.token_bytes(32))
    env.pop("WEB_CONCURRENCY", None)
    settings = load_settings(str(config), environ=env)
    with build_stores(settings) as stores:
        service = build_token_service(settings, stores, bootstrap=True)
        service.create_account(USER, PASSWORD)
        client = service.register_client("bench-service", allowed_audiences=["https://api.example"])
    assert client.client_secret is not None
    return env, client.client.client_id, client.client_secret


class _Client:
    """One keep-alive connection and the state each contender chains."""

    def __init__(self, port: int, client_id: str, secret: str) -> None:
        from gatehouse.jose import JWK

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.client_id, self.secret = client_id, secret
        self.key = JWK.generate("ES256")
        self.refresh = {False: self._login(dpop=False), True: self._login(dpop=True)}

    def _proof(self, path: str) -> str:
        from gatehouse.jose.dpop_make import make_proof

        return make_proof(self.key, method="POST", url=ISSUER + path, now=time.time())

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> dict[str, object]:
        self.conn.request("POST", path, body, headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}: {data[:300]!r}")
        answer: dict[str, object] = json.loads(data)
        return answer

    def _login(self, *, dpop: bool) -> str:
        headers = {"Content-Type": "application/json"}
        if dpop:
            headers["DPoP"] = self._proof("/login")
        body = json.dumps({"username": USER, "password": PASSWORD}).encode()
        return str(self.post("/login", body, headers)["refresh_token"])

    def batch(self, grant: str, dpop: bool, n: int) -> list[float]:
        """``n`` sequential requests of one contender; each one's latency in ms."""
        proofs = [self._proof("/token") for _ in range(n)] if dpop else [""] * n
        form = "application/x-www-form-urlencoded"
        times = []
        for proof in proofs:
            headers = {"Content-Type": form, **({"DPoP": proof} if dpop else {})}
            if grant == "refresh":
                fields = {"grant_type": "refresh_token", "refresh_token": self.refresh[dpop]}
            else:
                fields = {"grant_type": "client_credentials", "client_id": self.client_id,
                          "client_secret": self.secret}  # fmt: skip
            body = urlencode(fields).encode()
            start = time.perf_counter()
            answer = self.post("/token", body, headers)
            times.append((time.perf_counter() - start) * 1e3)
            if grant == "refresh":
                self.refresh[dpop] = str(answer["refresh_token"])
        return times


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, _schema(args.postgres, args.schema) as schema:
        workdir = Path(tmp)
        store = args.postgres or f"sqlite:///{workdir / 'gatehouse.db'}"
        env, client_id, secret = _prepare(workdir, store, schema)
        port = free_port()
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        proc = subprocess.Popen(
            [GATEHOUSE, "serve", "--workers", "1", "--port", str(port)],
            env=env, cwd=workdir, **quiet,  # type: ignore[call-overload]
        )  # fmt: skip
        try:
            wait_answering(port, "/health", proc, "gatehouse serve", timeout=60)
            client = _Client(port, client_id, secret)
            contenders: dict[str, Callable[[], list[float]]] = {
                f"{grant}{' + DPoP' if dpop else ''}": (
                    lambda g=grant, d=dpop: client.batch(g, d, args.requests)
                )
                for grant in ("refresh", "client_credentials")
                for dpop in (False, True)
            }
            for fn in contenders.values():  # warm every path once
                fn()
            medians: dict[str, list[float]] = {name: [] for name in contenders}
            for _ in range(args.rounds):
                for name, fn in contenders.items():
                    medians[name].append(statistics.median(fn()))
        finally:
            proc.terminate()
            proc.wait(30)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"POST /token, ms per request, one client, {backend}, median of {args.rounds} rounds")
    print(f"{'grant':28} {'ms':>7} {'DPoP cost':>10}")
    result = {name: statistics.median(values) for name, values in medians.items()}
    for name, ms in result.items():
        plain = result.get(name.removesuffix(" + DPoP"))
        extra = f"{ms - plain:+10.3f}" if name.endswith("DPoP") and plain else ""
        print(f"{name:28} {ms:7.3f} {extra:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per batch")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--schema", default="bench_grants", help="schema prefix (a random suffix is added)"
    )
    run(parser.parse_args())


if __name__ == "__main__":
    main()
