"""Field-by-field fidelity of ``gatehouse dev``'s events to AWS's recorded events.

For each kind of event the dev gateway emits, the counts of key paths missing, mistyped
and undocumented-extra against every recording of that kind in ``../shared/events``
(tests/gateway/fidelity.py does the comparison; tests/gateway/test_event_fidelity.py
holds all three at zero). ``-v`` lists the paths. ``--at REV`` measures the events.py
of an older commit instead (its own API, the same sample request with lower-cased header
names as it received them), to show the before/after counts.

    python bench/event_fidelity.py [-v] [--at 8215d58]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "gateway"), str(ROOT / "tests")]

from fidelity import KINDS, compare, sample_events, sample_request  # noqa: E402

from shared_material import SHARED  # noqa: E402


def events_at(revision: str) -> dict[str, Any]:
    """The sample events as ``src/gatehouse/gateway/events.py`` at ``revision`` built them
    (before this comparison existed: ``proxy_event(..., now=)``, ``authorizer_event``, no
    TOKEN authorizers)."""
    source = subprocess.run(
        ["git", "show", f"{revision}:src/gatehouse/gateway/events.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events_then.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("events_then", path)
        assert spec is not None
        assert spec.loader is not None
        old = importlib.util.module_from_spec(spec)
        sys.modules["events_then"] = old
        spec.loader.exec_module(old)
    new = sample_request()
    request = old.DevRequest(
        method=new.method,
        path=new.path,
        query=new.query,
        headers=tuple((k.lower(), v) for k, v in new.headers),
        body=new.body,
        source_ip=new.source_ip,
        route_path=new.route_path,
        path_parameters=new.path_parameters,
    )
    now = new.epoch
    rest = {"principalId": "alice", "sub": "alice", "integrationLatency": 3}
    jwt = {"jwt": {"claims": {"sub": "alice"}, "scopes": ["orders:read"]}}
    return {
        "rest-proxy": old.proxy_event(request, "1.0", rest, now=now),
        "http-proxy": old.proxy_event(request, "2.0", jwt, now=now),
        "http-proxy-lambda": old.proxy_event(request, "2.0", {"lambda": {"sub": "a"}}, now=now),
        "rest-request-authorizer": old.authorizer_event(request, "1.0"),
        "rest-token-authorizer": None,  # not supported then
        "http-request-authorizer": old.authorizer_event(request, "2.0"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", action="store_true", help="list the key paths")
    parser.add_argument("--at", metavar="REV", help="measure the events.py of commit REV")
    args = parser.parse_args()
    verbose = args.v
    events = events_at(args.at) if args.at else sample_events()
    totals = [0, 0, 0]
    for kind in KINDS:
        counts = compare(kind, events[kind], SHARED / "events")
        print(counts.line())
        totals = [
            totals[0] + len(counts.missing),
            totals[1] + len(counts.mistyped),
            totals[2] + len(counts.extra),
        ]
        if verbose:
            for path in (*counts.missing, *counts.mistyped, *counts.extra):
                print(f"    {path}")
    print(f"{'total':24} missing {totals[0]:3}  mistyped {totals[1]:3}  extra {totals[2]:3}")


if __name__ == "__main__":
    main()
