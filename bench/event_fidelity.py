"""Field-by-field fidelity of ``gatehouse dev``'s events to AWS's recorded events.

For each kind of event the dev gateway emits, the counts of key paths missing, mistyped
and undocumented-extra against every recording of that kind in ``../shared/events``
(tests/gateway/fidelity.py does the comparison; tests/gateway/test_event_fidelity.py
holds all three at zero). ``-v`` lists the paths.

    python bench/event_fidelity.py [-v]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "gateway"), str(ROOT / "tests")]

from fidelity import KINDS, compare, sample_events  # noqa: E402

from shared_material import SHARED  # noqa: E402


def main() -> None:
    verbose = "-v" in sys.argv[1:]
    events = sample_events()
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
