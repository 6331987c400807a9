"""`gatehouse dev` hands a request's ``Txn-Token`` header to the function unchanged, in the
v1 and v2 events alike (draft-ietf-oauth-transaction-tokens, "Txn-Token" HTTP Header):
internal routes that verify one with ``TxnTokenCheck`` work locally as deployed."""

from __future__ import annotations

import httpx
from cli_helpers import Project

from ready_process import TIMEOUT, started

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
"""

HANDLERS = """
import json

def echo(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    multi = {k.lower(): v for k, v in (event.get("multiValueHeaders") or {}).items()}
    return {"statusCode": 200, "body": json.dumps({
        "txn": headers.get("txn-token"), "multi": multi.get("txn-token"),
    })}
"""


def test_dev_passes_the_txn_token_header_to_functions(project: Project) -> None:
    """The Txn-Token header reaches v2 and v1 (headers and multiValueHeaders) handlers as sent."""
    text = project.config.read_text()
    project.config.write_text(text[: text.index("[[functions]]")] + FUNCTIONS)
    package = project.root / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handlers.py").write_text(HANDLERS)
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
