"""The JOSE core stays in small modules with one job (issue 9: none over 400 lines)."""

from __future__ import annotations

from pathlib import Path

import gatehouse.jose

JOSE = Path(gatehouse.jose.__file__).parent
LIMIT = 400


def test_no_jose_module_over_the_limit() -> None:
    """Every module under gatehouse/jose is at most 400 lines."""
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in JOSE.glob("*.py")}
    assert "jwk.py" in sizes
    assert {name: n for name, n in sizes.items() if n > LIMIT} == {}
