"""orders → profile for the user over real HTTP: `gatehouse init` + `gatehouse dev` + the
examples, as a user starts them (issue 13 §4, docs/delegation.md "The examples")."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
from examples_stack import PASSWORD, REPO

from ready_process import GATEHOUSE, TIMEOUT, started

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"


def _project(root: Path) -> tuple[str, str]:
    """A fresh project holding the examples and alice; orders-service's secret."""
    shutil.copytree(REPO / "examples", root / "examples")
    for args, stdin in (
        (["init"], None),
        (["users", "add", "alice", "--scope", "orders:read", "--scope", "profile:read",
          "--password-stdin"], PASSWORD + "\n"),
    ):  # fmt: skip
        subprocess.run(
            [GATEHOUSE, *args], cwd=root, input=stdin, text=True, capture_output=True,
            timeout=TIMEOUT, check=True,
        )  # fmt: skip
    secret = (root / ".gatehouse" / "orders-service.secret").read_text().strip()
    return "orders-service", secret


def test_only_a_token_exchanged_for_the_user_reads_her_profile(tmp_path: Path) -> None:
    """orders reads alice's profile with her token exchanged (act.sub = orders-service);
    orders-service's own client-credentials token, stolen, reads nobody's profile (403 on
    /profiles/{sub}, its own made-up one on /profile), and exchanged yields only its own."""
    client = _project(tmp_path)
    with (
        started(["dev", "--port", "0"], cwd=tmp_path) as (first, _, _process),
        httpx.Client(base_url=first.rsplit(" on ", 1)[1], timeout=TIMEOUT) as http,
    ):
        login = http.post("/login", json={"username": "alice", "password": PASSWORD})
        access = login.json()["access_token"]
        user = {"Authorization": f"Bearer {access}"}
        alice = http.get("/profile", headers=user).json()["profile"]["sub"]

        orders = http.get("/orders", headers=user)
        assert orders.status_code == 200, orders.text
        assert orders.json()["customer"]["sub"] == alice

        stolen = http.post("/token", auth=client, data={"grant_type": "client_credentials"})
        assert stolen.status_code == 200, stolen.text
        thief = {"Authorization": f"Bearer {stolen.json()['access_token']}"}
        # /profile first: API Gateway's cached Deny for /profiles would also refuse /profile.
        own = http.get("/profile", headers=thief).json()
        assert own["profile"]["sub"] == "orders-service"
        assert "actor" not in own
        assert http.get(f"/profiles/{alice}", headers=thief).status_code == 403
        laundered = http.post(
            "/token",
            auth=client,
            data={
                "grant_type": EXCHANGE,
                "subject_token": stolen.json()["access_token"],
                "subject_token_type": ACCESS_TOKEN,
                "scope": "profile:read",
                "audience": "gatehouse-examples",
            },
        )
        assert laundered.status_code == 200, laundered.text  # exchanging its own token ...
        token = laundered.json()["access_token"]
        mine = http.get("/profile", headers={"Authorization": f"Bearer {token}"}).json()
        assert mine["profile"]["sub"] == "orders-service"  # ... still names only itself

        exchanged = http.post(
            "/token",
            auth=client,
            data={
                "grant_type": EXCHANGE,
                "subject_token": access,
                "subject_token_type": ACCESS_TOKEN,
                "scope": "profile:read",
                "audience": "gatehouse-examples",
            },
        )
        assert exchanged.status_code == 200, exchanged.text
        token = exchanged.json()["access_token"]
        read = http.get("/profile", headers={"Authorization": f"Bearer {token}"})
        assert read.status_code == 200
        assert read.json()["profile"]["sub"] == alice
        assert read.json()["actor"] == "orders-service"
        refused = http.get(f"/profiles/{alice}", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 403
