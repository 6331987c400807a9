"""PostgreSQL's rotation: the issuer's checks run on locked rows, the account comes with
the rotation's first round trip, and a claim made in it is counted in a per-backend slot
(migration 0005), never in the list's own row, which every refresh would otherwise queue
on. The counts read back (``get_status_list``, retirement) stay exact."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from storage_samples import NOW, account, digest, rotation, session, token

from backend_servers import POSTGRES_DSN, postgres_backend
from gatehouse.storage.postgres import PostgresStore
from gatehouse.storage.records import RotationOutcome, SessionRecord
from gatehouse.storage.status_records import StatusClaim

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> Iterator[Any]:
    with postgres_backend(request) as store:
        yield store


def _locked(raw: Any, table: str, where: str, key: object) -> bool:
    try:
        raw.execute(f"SELECT 1 FROM {table} WHERE {where} = %s FOR UPDATE NOWAIT", (key,))
    except psycopg.errors.LockNotAvailable:
        return True
    return False


def _claim(list_id: int, idx: int, sid: str, jti: str) -> StatusClaim:
    return StatusClaim(list_id, (idx,), 4, jti, sid, "a1", "web", NOW + 300)


def test_admit_runs_while_the_token_and_session_rows_are_locked(pg: Any, raw: Any) -> None:
    """No other transaction can change either row between the check and the writes."""
    s = session("a1")
    pg.create_session(s, token(s.sid, "t0"))
    probes: list[tuple[bool, bool]] = []

    def admit(found: SessionRecord) -> StatusClaim | None:
        probes.append(
            (
                _locked(raw, f"{pg.schema}.sessions", "sid", found.sid),
                _locked(raw, f"{pg.schema}.refresh_tokens", "token_hash", digest("t0")),
            )
        )
        return None

    result = pg.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 1, admit=admit))
    assert result.outcome is RotationOutcome.ROTATED
    assert probes == [(True, True)]
    assert not _locked(raw, f"{pg.schema}.sessions", "sid", s.sid)  # released at COMMIT


def test_the_account_comes_with_the_rotation(pg: Any) -> None:
    """The lock statement reads the session's account too (no read after COMMIT); a
    session whose account row is gone gets None, and the issuer reads (and refuses)."""
    a = account("alice")
    pg.create_account(a)
    s = session(a.account_id)
    pg.create_session(s, token(s.sid, "t0"))
    result = pg.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 1))
    assert result.account == pg.get_account(a.account_id)
    orphan = session("nobody")
    pg.create_session(orphan, token(orphan.sid, "o0"))
    assert pg.rotate_refresh_token(rotation(digest("o0"), "o1", NOW + 1)).account is None


def test_claims_in_rotations_leave_the_list_row_alone(pg: Any, raw: Any) -> None:
    """The list's row is not rewritten by a rotation's claim (its xmin stays), yet the
    list reads every claim, from every backend, and the latest expiry."""
    lst = pg.open_status_list(size=64, now=NOW)
    list_row = f"SELECT xmin::text, claimed FROM {pg.schema}.status_lists WHERE list_id = %s"
    before = raw.execute(list_row, (lst.list_id,)).fetchone()
    other = PostgresStore(POSTGRES_DSN, schema=pg.schema, pool_size=1)  # another backend
    try:
        for n, store in enumerate((pg, other, pg)):
            s = session("a1")
            store.create_session(s, token(s.sid, f"r{n}"))
            claim = _claim(lst.list_id, 10 + n, s.sid, f"jti-{n}")
            done = store.rotate_refresh_token(
                rotation(digest(f"r{n}"), f"s{n}", NOW + n, status=claim)
            )
            assert done.status_idx == 10 + n
    finally:
        other.close()
    assert raw.execute(list_row, (lst.list_id,)).fetchone() == before
    slots = raw.execute(f"SELECT sum(claimed) FROM {pg.schema}.status_claim_counts").fetchone()
    assert slots == (3,)  # in one slot per backend (two, unless their pids share one)
    got = pg.get_status_list(lst.list_id)
    assert (got.claimed, got.expires_at) == (3, NOW + 300)
    assert pg.usable_status_list(capacity=3) is None  # full at capacity, counted in slots
    assert pg.usable_status_list(capacity=4) == got


def test_retirement_reads_the_counted_claims(pg: Any) -> None:
    """A list full by its slots' count retires only after its slots' latest expiry."""
    lst = pg.open_status_list(size=64, now=NOW)
    for n in range(2):
        s = session("a1")
        pg.create_session(s, token(s.sid, f"r{n}"))
        claim = _claim(lst.list_id, 3 + n, s.sid, f"jti-{n}")
        pg.rotate_refresh_token(rotation(digest(f"r{n}"), f"s{n}", NOW + n, status=claim))
    assert pg.retire_status_lists(before=NOW + 299, capacity=2) == 0  # a token still live
    assert pg.retire_status_lists(before=NOW + 301, capacity=3) == 0  # not full
    assert pg.retire_status_lists(before=NOW + 301, capacity=2) == 1
    assert pg.get_status_list(lst.list_id).retired_at == NOW + 301
