"""The few spellings in which SQLite and PostgreSQL differ, for SQL written once.

The shared statements (``storage.sql_store``, ``storage.sql_counters``, the
``storage.sql_tables`` declarations) are templates in one spelling:

* ``?`` for every placeholder (PostgreSQL's driver wants ``%s``);
* ``$name`` for a table (PostgreSQL qualifies it with the store's schema, so nothing
  depends on ``search_path``, which a transaction-mode PgBouncer or RDS Proxy does
  not keep; SQLite has one file and no qualifier);
* ``GREATEST(a, b)`` / ``LEAST(a, b)`` for the larger / smaller of two values
  (SQLite's scalar ``MAX``/``MIN``; ``MAX`` in PostgreSQL is only the aggregate).

Everything else is written in the common subset: ``INSERT … AS alias … ON CONFLICT …
DO UPDATE`` with ``excluded``, ``RETURNING``, ``CASE``. An empty byte string is bound
as a parameter (``b""``) rather than spelled as a literal (``X''`` / ``''::bytea``).
Templates never hold ``?`` or ``$`` inside a string literal. A dialect renders a
template to the driver's text; ``Statements`` keeps what it rendered, so a statement
costs one dict lookup per call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from gatehouse._record import record

__all__ = ["SQLITE", "Dialect", "Statements", "postgres_dialect"]

Q = TypeVar("Q")

_TABLE = re.compile(r"\$([a-z_][a-z0-9_]*)")
_FUNCTION = re.compile(r"\b(GREATEST|LEAST)\(")
_SQLITE_FUNCTIONS = {"GREATEST": "MAX", "LEAST": "MIN"}


@record
class Dialect:
    """``name`` (the migrations folder), ``mark`` (the placeholder), ``qualifier``
    (what goes before a table name) and whether two-value GREATEST/LEAST are SQLite's
    scalar MAX/MIN."""

    name: str
    mark: str
    qualifier: str = ""
    scalar_min_max: bool = False

    def table(self, name: str) -> str:
        return f"{self.qualifier}{name}"

    def render(self, template: str) -> str:
        """The template as this dialect's driver takes it."""
        text = _TABLE.sub(lambda m: self.qualifier + m[1], template)
        if self.scalar_min_max:
            text = _FUNCTION.sub(lambda m: _SQLITE_FUNCTIONS[m[1]] + "(", text)
        if self.mark != "?":
            # psycopg reads % as the start of a placeholder: a literal one is %%.
            text = text.replace("%", "%%").replace("?", self.mark)
        return text


class Statements(dict[str, Q]):
    """``statements[template]``: the driver's text for a template, rendered on first use
    and a plain dict hit afterwards (the templates are the code's own, a bounded set)."""

    __slots__ = ("_dialect", "_finish")

    def __init__(self, dialect: Dialect, finish: Callable[[str], Q]) -> None:
        super().__init__()
        self._dialect = dialect
        self._finish = finish

    def __missing__(self, template: str) -> Q:
        text = self._finish(self._dialect.render(template))
        self[template] = text
        return text


SQLITE = Dialect("sqlite", mark="?", scalar_min_max=True)


def postgres_dialect(schema: str) -> Dialect:
    """PostgreSQL for a store whose tables live in ``schema`` (a checked identifier)."""
    return Dialect("postgres", mark="%s", qualifier=f'"{schema}".')
