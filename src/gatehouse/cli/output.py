"""Two audiences, one call: rich text for people, JSON for scripts.

Every command hands its result to ``Output`` once, as plain data plus a way to show it
to a person; ``--json`` prints the data instead. Keeping both behind one object means
a command cannot forget the JSON form, and scripts never see rich markup.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["Output", "format_time"]


def format_time(epoch: float | None) -> str:
    """An epoch second as ISO 8601 UTC, for people (JSON keeps the number)."""
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")


class Output:
    """Where a command's result goes: stdout as a rich rendering or as JSON."""

    def __init__(self, *, json_mode: bool) -> None:
        self.json_mode = json_mode

    @staticmethod
    def console(*, stderr: bool = False) -> Console:
        # Resolved per call: click's test runner swaps sys.stdout while a command runs.
        return Console(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=True)

    def emit(self, data: Any, human: Callable[[Console], None]) -> None:
        """Print ``data`` as JSON, or let ``human`` render it."""
        if self.json_mode:
            sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
        else:
            human(self.console())

    def message(self, data: Mapping[str, Any], text: str) -> None:
        """A one-line result: ``text`` (rich markup) for people, ``data`` for scripts."""
        self.emit(dict(data), lambda c: c.print(text))

    def table(
        self,
        rows: Sequence[Mapping[str, Any]],
        columns: Iterable[tuple[str, str]],
        *,
        title: str,
        empty: str,
        render: Mapping[str, Callable[[Any], str]] | None = None,
    ) -> None:
        """Rows of plain data; ``columns`` is ``(key, heading)``; ``render`` formats cells."""
        cols = list(columns)
        shown = render or {}

        def draw(console: Console) -> None:
            if not rows:
                console.print(empty)
                return
            table = Table(title=title, title_justify="left")
            for _, heading in cols:
                table.add_column(heading, overflow="fold")
            for row in rows:
                # Text, not markup: a username like "[red]x" is shown as typed.
                table.add_row(*(Text(shown.get(k, _cell)(row.get(k))) for k, _ in cols))
            console.print(table)

        self.emit(list(rows), draw)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple | set | frozenset):
        return " ".join(sorted(str(v) for v in value)) or "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
