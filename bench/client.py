"""Client-side overhead of ``gatehouse.client``: what a cached ``ClientCredentials`` adds to
each httpx request, against httpx sending the same request with a fixed header.

    python bench/client.py [--requests 20000] [--rounds 7]

Both clients send through one in-process ``httpx.MockTransport`` answering 200 at once,
so the figure is httpx's own request cost plus ours, without network noise; the token is
fetched once (from the same transport) and then served from the cache, as in a service's
steady state. Rounds are interleaved (plain, gatehouse, plain, ...); the table shows the
median µs per request over rounds and the difference (target: ≤ 20 µs). A DPoP row shows
the same with a proof signed per request (ES256 through pyca/cryptography), for scale.
On a busy machine the whole-request rows drown in noise, so the verdict is taken from the
flow alone: the cached flow run to its end against httpx's no-op ``Auth`` doing the same.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import httpx

from gatehouse.client import ClientCredentials, DPoPKey

TOKEN_URL = "https://auth.example.com/token"
API = "https://profile.example/profiles/42"
TOKEN = {"access_token": "h.p.s", "token_type": "Bearer", "expires_in": 3600, "scope": "read"}


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/token":
        body = dict(TOKEN)
        if "dpop" in request.headers:
            body["token_type"] = "DPoP"
        return httpx.Response(200, content=json.dumps(body).encode())
    return httpx.Response(200, content=b"{}")


def _time(client: httpx.Client, n: int) -> float:
    """µs per request over ``n`` GETs."""
    start = time.perf_counter()
    for _ in range(n):
        client.get(API)
    return (time.perf_counter() - start) / n * 1e6


def _flow_step(auth: httpx.Auth, n: int) -> float:
    """µs per request of the auth flow alone: build the request, run the flow to its end."""
    response = httpx.Response(200, content=b"{}")
    start = time.perf_counter()
    for _ in range(n):
        request = httpx.Request("GET", API)
        flow = auth.sync_auth_flow(request)
        response.request = next(flow)
        try:
            flow.send(response)
        except StopIteration:
            pass
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    transport = httpx.MockTransport(_answer)
    token_http = httpx.Client(transport=transport)
    auth = ClientCredentials(TOKEN_URL, "orders-svc", "s3cret", http=token_http)
    dpop_auth = ClientCredentials(
        TOKEN_URL, "orders-svc", "s3cret", http=token_http, dpop=DPoPKey()
    )
    clients = {
        "httpx, fixed header": httpx.Client(
            transport=transport, headers={"Authorization": "Bearer h.p.s"}
        ),
        "gatehouse cached": httpx.Client(transport=transport, auth=auth),
        "gatehouse DPoP": httpx.Client(transport=transport, auth=dpop_auth),
    }
    counts = {"gatehouse DPoP": max(args.requests // 20, 100)}
    for client in clients.values():  # warm up; fetches the tokens once
        _time(client, 200)
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(args.rounds):
        for name, client in clients.items():
            samples[name].append(_time(client, counts.get(name, args.requests)))

    steps: dict[str, list[float]] = {"httpx no-op Auth": [], "ClientCredentials": []}
    for _ in range(args.rounds):
        steps["httpx no-op Auth"].append(_flow_step(httpx.Auth(), args.requests))
        steps["ClientCredentials"].append(_flow_step(auth, args.requests))

    base = statistics.median(samples["httpx, fixed header"])
    print(f"µs per request, median of {args.rounds} rounds (in-process transport)")
    print(f"{'':22} {'µs/request':>11} {'over httpx':>11}")
    for name, values in samples.items():
        med = statistics.median(values)
        print(f"{name:22} {med:11.1f} {med - base:11.1f}")
    noop = statistics.median(steps["httpx no-op Auth"])
    print(f"\n{'auth flow alone':22} {'µs/request':>11} {'over no-op':>11}")
    for name, values in steps.items():
        med = statistics.median(values)
        print(f"{name:22} {med:11.2f} {med - noop:11.2f}")
    overhead = statistics.median(steps["ClientCredentials"]) - noop
    verdict = "within" if overhead <= 20 else "over"
    print(f"\ncached ClientCredentials adds {overhead:.1f} µs per request ({verdict} 20 µs)")


if __name__ == "__main__":
    main()
