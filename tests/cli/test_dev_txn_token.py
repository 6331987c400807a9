"""`gatehouse dev` hands a request's ``Txn-Token`` header to the function unchanged, in the
v1 and v2 events alike (draft-ietf-oauth-transaction-tokens, "Txn-Token" HTTP Header):
internal routes that verify one with ``TxnTokenCheck`` work locally as deployed."""

from __future__ import annotations

import httpx
from cli_helpers import Project

from ready_process import TIMEOUT, started

PASSWORD = "correct horse battery staple"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"

FUNCTIONS = """
[[functions]]
name = "v2"
handler = "svc.handlers.echo"
routes = ["GET /v2"]
event = "v2"
auth = "none"

[[functions]]
name = "v1"
handler = "svc.handlers.echo"
routes = ["GET /v1"]
event = "v1"
auth = "none"

[[functions]]
name = "internal"
handler = "svc.handlers.internal"
routes = ["GET /internal"]
event = "v2"
auth = "none"
"""

HANDLERS = """
import json
import os

from gatehouse import RemoteJWKS, Verifier
from gatehouse.adapters.aws_lambda import require_token
from gatehouse.adapters.txn_check import TxnTokenCheck
from gatehouse.txn_verify import txn_token_verifier

issuer = os.environ["GATEHOUSE_ISSUER_URL"]
keys = RemoteJWKS(os.environ["GATEHOUSE_JWKS_URL"])
access = Verifier(
    issuer=issuer, audience=os.environ["GATEHOUSE_AUDIENCE"], keys=keys, algorithms=["ES256"]
)
txn_tokens = txn_token_verifier(
    trust_domain="shop.internal", issuer=issuer, keys=keys, algorithms=["ES256"]
)

@require_token(access, txn_token=TxnTokenCheck(txn_tokens, required=True))
def internal(event, context, *, claims, txn):
    return {"statusCode": 200, "body": json.dumps({
        "caller": claims.subject, "for": txn["sub"], "req_wl": txn["req_wl"],
    })}

def echo(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    multi = {k.lower(): v for k, v in (event.get("multiValueHeaders") or {}).items()}
    return {"statusCode": 200, "body": json.dumps({
        "txn": headers.get("txn-token"), "multi": multi.get("txn-token"),
    })}
"""


def test_dev_passes_the_txn_token_header_to_functions(project: Project) -> None:
    """The Txn-Token header reaches v2 and v1 (headers and multiValueHeaders) handlers as sent."""
    _write_project(project)
    token = "eyJhbGciOiJFUzI1NiJ9.eyJ0eG4iOiJ0eG4tNDIifQ.c2ln"  # opaque to the gateway
    with started(["dev", "--port", "0"], cwd=project.root) as (first, _, _process):
        url = first.rsplit(" on ", 1)[1]
        with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
            v2 = http.get("/v2", headers={"Txn-Token": token})
            v1 = http.get("/v1", headers={"Txn-Token": token})
    assert v2.status_code == 200, v2.text
    assert v2.json()["txn"] == token
    assert v1.status_code == 200, v1.text
    assert v1.json() == {"txn": token, "multi": [token]}


def _write_project(project: Project) -> None:
    text = project.config.read_text().replace(
        "[issuer]\n", '[issuer]\ntxn_trust_domain = "shop.internal"\n', 1
    )
    project.config.write_text(text[: text.index("[[functions]]")] + FUNCTIONS)
    package = project.root / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(HANDLERS)


def test_a_function_requiring_a_txn_token_under_dev(project: Project) -> None:
    """A Txn-Token from dev's token service, sent beside the bearer token, reaches a
    TxnTokenCheck(required=True) handler verified; without it, or alone, the call is 401."""
    _write_project(project)
    added = project.run(
        "users", "add", "alice", "--scope", "profile:read", "--password-stdin", input=PASSWORD
    )
    assert added.exit_code == 0, added.stderr
    edge = project.run(
        "clients", "add", "edge", "--audience", "shop.internal", "--scope", "profile:read",
        "--grant", EXCHANGE, "--secret-file", "edge.secret",
    )  # fmt: skip
    assert edge.exit_code == 0, edge.stderr
    secret = (project.root / "edge.secret").read_text().strip()
    with started(["dev", "--port", "0"], cwd=project.root) as (first, _, _process):
        url = first.rsplit(" on ", 1)[1]
        with httpx.Client(base_url=url, timeout=TIMEOUT) as http:
            login = http.post("/login", json={"username": "alice", "password": PASSWORD})
            access = login.json()["access_token"]
            issued = http.post(
                "/token",
                auth=("edge", secret),
                data={
                    "grant_type": EXCHANGE,
                    "requested_token_type": "urn:ietf:params:oauth:token-type:txn_token",
                    "audience": "shop.internal",
                    "subject_token": access,
                    "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
                    "scope": "profile:read",
                },
            )
            assert issued.status_code == 200, issued.text
            txn = issued.json()["access_token"]
            bearer = {"Authorization": f"Bearer {access}"}
            both = http.get("/internal", headers={**bearer, "Txn-Token": txn})
            without = http.get("/internal", headers=bearer)
            alone = http.get("/internal", headers={"Txn-Token": txn})
            forged = http.get("/internal", headers={**bearer, "Txn-Token": txn[:-4] + "AAAA"})
    assert both.status_code == 200, both.text
    assert both.json()["caller"] == both.json()["for"]
    assert "edge" in str(both.json()["req_wl"])
    assert without.status_code == alone.status_code == forged.status_code == 401
