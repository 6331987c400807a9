"""A refresh on PostgreSQL is two round trips and two statements: the lock statement
(which also reads the account, and on whose rows the client and DPoP checks run), then
the writes with the access token's status claim, in the implicit transaction the
pipeline's Sync commits: no BEGIN, no COMMIT (issue 15 §4). Counted in libpq's own
trace of the store's one connection, so load on the machine cannot change the figure."""

from __future__ import annotations

from pathlib import Path

import pytest
from issuer_helpers import make_config, open_store

from gatehouse import ManualClock
from gatehouse.issuer import KeyEncryptionKey, TokenService
from gatehouse.storage.ports import Stores
from libpq_trace import round_trips, wire_trace

pytestmark = pytest.mark.postgres


def test_a_refresh_is_two_round_trips(tmp_path: Path) -> None:
    """As the token endpoint calls it (first-party client named), one refresh costs two
    round trips and two statements (lock, writes): no read before the rotation, no
    client lookup for the first-party client, no account read after it, and no BEGIN
    or COMMIT of its own."""
    clock = ManualClock(wall=1_700_000_000.0)
    with open_store("postgres", tmp_path, pool_size=1) as store:
        kek = KeyEncryptionKey.generate()
        service = TokenService(make_config(), Stores.single(store), kek, clock=clock)
        service.bootstrap()
        service.create_account("alice", "correct horse")
        first_party = service.config.first_party_client_id
        token = service.login("alice", "correct horse").refresh_token
        for _ in range(6):  # the signing key cached, the statements prepared
            clock.advance(1)
            token = service.refresh(token, client_id=first_party).refresh_token
        with wire_trace(store._pool) as wire:  # the pool's only connection
            pair = service.refresh(token, client_id=first_party)
        assert pair.refresh_token != token
        assert round_trips(wire) == (2, 2)
        sent = [fields[2] for fields in wire if len(fields) > 2 and fields[0] == "F"]
        assert sum(message.startswith("Sync") for message in sent) == 1  # the one commit
