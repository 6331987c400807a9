"""One declaration per stored record: its table, key and column codecs.

Everything the SQL adapters need about a record is derived from its ``Table``: the
column list (the record's dataclass fields, in field order), the ``INSERT`` and
``UPDATE … SET`` statements with their placeholders, the row a record becomes and
the record a row (or a slice of a joined row) becomes. Nothing counts placeholders or
slices rows by hand, so a column added to a record is added everywhere at once (plus
its migration in each dialect; ``tests/storage/test_sql_tables.py`` holds the
declarations to the migrated schemas).

Statements here are *templates* (see ``storage.sql_dialect``): ``?`` placeholders and
``$table`` names, rendered once per dialect. Both schemas keep the same columns: sets
as sorted JSON arrays in TEXT (never queried inside, so one portable text form beats
two native encodings), booleans as the driver's bool (SQLite stores 0/1), times as
floating seconds, hashes as bytes.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from gatehouse._record import record
from gatehouse.storage.records import (
    AccountRecord,
    ClientRecord,
    KeyState,
    RefreshTokenRecord,
    SessionRecord,
    SigningKeyRecord,
)
from gatehouse.storage.status_records import PendingDenial, StatusEntryRecord, StatusListRecord

__all__ = [
    "ACCOUNTS",
    "BOOL",
    "BYTES",
    "CLIENTS",
    "JSON_SET",
    "JSON_TUPLE",
    "OPTIONAL_BYTES",
    "OUTBOX",
    "SESSIONS",
    "SIGNING_KEYS",
    "STATUS_ENTRIES",
    "STATUS_LISTS",
    "TABLES",
    "TOKENS",
    "Codec",
    "Row",
    "Table",
    "Update",
    "enum_codec",
]

R = TypeVar("R")
Row = tuple[Any, ...]


@record
class Codec:
    """How one column's value travels: ``encode`` record → driver, ``decode`` back.
    None means the driver's value is the record's value."""

    encode: Callable[[Any], Any] | None = None
    decode: Callable[[Any], Any] | None = None


def _json_list(text: str) -> list[str]:
    return [str(v) for v in json.loads(text)]


def _sorted_json(values: Iterable[str]) -> str:
    return json.dumps(sorted(values))


JSON_SET = Codec(_sorted_json, lambda text: frozenset(_json_list(text)))
"""A ``frozenset[str]`` as a sorted JSON array (one text for one set)."""
JSON_TUPLE = Codec(lambda values: json.dumps(list(values)), lambda text: tuple(_json_list(text)))
"""A ``tuple[str, ...]`` as a JSON array, order kept."""
BOOL = Codec(decode=bool)
"""SQLite hands back 0/1."""
BYTES = Codec(decode=bytes)
"""A driver may hand back a memoryview or bytearray."""
OPTIONAL_BYTES = Codec(decode=lambda value: None if value is None else bytes(value))


def enum_codec(kind: type[enum.Enum]) -> Codec:
    """An enum stored as its value."""
    return Codec(operator.attrgetter("value"), kind)


Steps = tuple[tuple[int, Callable[[Any], Any]], ...]


def _steps(
    names: Sequence[str], codecs: Mapping[str, Codec], pick: Callable[[Codec], Any]
) -> Steps:
    """``(position, function)`` for each column whose codec has an encode (or decode)."""
    found: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(names):
        codec = codecs.get(name)
        step = None if codec is None else pick(codec)
        if step is not None:
            found.append((i, step))
    return tuple(found)


def _row_of(names: Sequence[str], codecs: Mapping[str, Codec]) -> Callable[[Any], Row]:
    """``record → row`` of the named attributes, encoded. Without encoders it is one
    ``attrgetter`` (a C call): the rotation's writes take that path."""
    get: Callable[[Any], Row] = operator.attrgetter(*names)
    if len(names) == 1:
        one = operator.attrgetter(names[0])
        get = lambda record: (one(record),)  # noqa: E731
    encoders = _steps(names, codecs, operator.attrgetter("encode"))
    if not encoders:
        return get

    def encoded(record: Any) -> Row:
        values = list(get(record))
        for i, encode in encoders:
            values[i] = encode(values[i])
        return tuple(values)

    return encoded


@record
class Update:
    """``UPDATE $table SET a = ?, b = ? WHERE key = ? [AND …]`` and ``params(record)``:
    the SET values, then the key values, taken from the record."""

    sql: str
    params: Callable[[Any], Row]


class Table(Generic[R]):
    """A record's table. ``Table("accounts", AccountRecord, key=("account_id",),
    codecs={"roles": JSON_TUPLE})``: columns are the record's fields, in order."""

    __slots__ = (
        "_decoders",
        "_key_at",
        "codecs",
        "columns",
        "insert",
        "key",
        "name",
        "names",
        "record",
        "select",
        "to_row",
        "width",
    )

    def __init__(
        self,
        name: str,
        record: type[R],
        *,
        key: tuple[str, ...],
        codecs: Mapping[str, Codec] | None = None,
    ) -> None:
        self.name = name
        self.record = record
        self.names: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(record))  # type: ignore[arg-type]
        self.codecs: Mapping[str, Codec] = dict(codecs or {})
        unknown = (set(key) | set(self.codecs)) - set(self.names)
        if unknown or not key:
            raise ValueError(f"table {name}: no such fields {sorted(unknown)} (or no key)")
        self.key = key
        self._key_at = self.names.index(key[0])
        self.width = len(self.names)
        self.columns = ", ".join(self.names)
        self.select = f"SELECT {self.columns} FROM ${name}"
        marks = ", ".join("?" * self.width)
        self.insert = f"INSERT INTO ${name} ({self.columns}) VALUES ({marks})"
        self.to_row: Callable[[R], Row] = _row_of(self.names, self.codecs)
        """The values for ``insert``, in column order."""
        self._decoders = _steps(self.names, self.codecs, operator.attrgetter("decode"))

    def prefixed(self, alias: str) -> str:
        """``"t.a, t.b, …"``: this table's columns in a join that reads several tables."""
        return ", ".join(f"{alias}.{n}" for n in self.names)

    def from_row(self, row: Sequence[Any], start: int = 0) -> R:
        """The record held in ``row[start:start + width]`` (a joined row holds several)."""
        values = list(row[start : start + self.width])
        for i, decode in self._decoders:
            values[i] = decode(values[i])
        return self.record(*values)

    def from_row_or_none(self, row: Sequence[Any], start: int = 0) -> R | None:
        """As ``from_row``, or None where an outer join found no row (its key is NULL)."""
        return None if row[start + self._key_at] is None else self.from_row(row, start)

    def update(self, *columns: str, where: str = "") -> Update:
        """``UPDATE`` of ``columns`` (default: every non-key column) by key, with an
        optional extra condition (``where="spent_at IS NULL"``: compare-and-set)."""
        chosen = columns or tuple(n for n in self.names if n not in self.key)
        unknown = set(chosen) - set(self.names)
        if unknown:
            raise ValueError(f"table {self.name}: no such columns {sorted(unknown)}")
        sets = ", ".join(f"{n} = ?" for n in chosen)
        keys = " AND ".join(f"{n} = ?" for n in self.key)
        extra = f" AND {where}" if where else ""
        names = (*chosen, *self.key)
        return Update(
            f"UPDATE ${self.name} SET {sets} WHERE {keys}{extra}", _row_of(names, self.codecs)
        )


ACCOUNTS = Table(
    "accounts",
    AccountRecord,
    key=("account_id",),
    codecs={"roles": JSON_TUPLE, "allowed_scopes": JSON_SET, "disabled": BOOL},
)
SESSIONS = Table("sessions", SessionRecord, key=("sid",), codecs={"scope": JSON_SET})
TOKENS = Table(
    "refresh_tokens",
    RefreshTokenRecord,
    key=("token_hash",),
    codecs={
        "token_hash": BYTES,
        "parent_hash": OPTIONAL_BYTES,
        "successor_hash": OPTIONAL_BYTES,
        "sealed_successor": OPTIONAL_BYTES,
    },
)
CLIENTS = Table(
    "clients",
    ClientRecord,
    key=("client_id",),
    codecs={
        "secret_hash": OPTIONAL_BYTES,
        "allowed_audiences": JSON_SET,
        "allowed_scopes": JSON_SET,
        "grant_types": JSON_SET,
        "disabled": BOOL,
        "require_dpop": BOOL,
    },
)
SIGNING_KEYS = Table(
    "signing_keys",
    SigningKeyRecord,
    key=("kid",),
    codecs={"state": enum_codec(KeyState), "sealed_private": BYTES},
)

# Token Status Lists and the revocation outbox (migration 0003, storage.sql_status).
STATUS_LISTS = Table("status_lists", StatusListRecord, key=("list_id",))
STATUS_ENTRIES = Table("status_entries", StatusEntryRecord, key=("list_id", "idx"))
OUTBOX = Table("revocation_outbox", PendingDenial, key=("kind", "value"))

TABLES: tuple[Table[Any], ...] = (
    ACCOUNTS,
    SESSIONS,
    TOKENS,
    CLIENTS,
    SIGNING_KEYS,
    STATUS_LISTS,
    STATUS_ENTRIES,
    OUTBOX,
)
"""Every declared table (the schema test walks these)."""
