"""The settings tables of ``docs/configuration.md``, generated from the schema.

Each table in the page sits between ``<!-- settings:NAME -->`` and ``<!-- /settings:NAME -->``
and is written by this module from the fields that declare the settings, so the page
cannot drift from the code (a test holds it)::

    python -m gatehouse.service.settings_docs docs/configuration.md          # rewrite
    python -m gatehouse.service.settings_docs --check docs/configuration.md  # exit 1 if stale
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from gatehouse.service.settings import TABLES
from gatehouse.service.settings_schema import docs_table

__all__ = ["main", "render"]

_BLOCK = re.compile(r"(<!-- settings:(\w+) -->\n)(.*?)(<!-- /settings:\2 -->)", re.DOTALL)


def render(text: str) -> str:
    """``text`` with every marked block replaced by its table's current rows."""

    def table(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in TABLES:
            raise ValueError(f"docs mark a table [{name}] that no schema declares")
        return match.group(1) + docs_table(name, TABLES[name]) + match.group(4)

    return _BLOCK.sub(table, text)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    paths = [Path(a) for a in args if a != "--check"] or [Path("docs/configuration.md")]
    stale = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        fresh = render(text)
        if fresh != text:
            stale.append(path)
            if not check:
                path.write_text(fresh, encoding="utf-8")
    if check and stale:
        print(f"out of date: {', '.join(map(str, stale))}; run without --check", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
