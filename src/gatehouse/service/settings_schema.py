"""Each setting declared once, as a dataclass field; parsing, errors and docs derived from it.

A settings table is a frozen dataclass (``IssuerConfig`` for ``[issuer]``, the classes in
``gatehouse.service.settings`` for the others). A field is a setting when its metadata
holds a ``doc`` (``setting(...)`` writes it). From that one declaration come:

- the TOML key: the field name, or ``metadata["key"]``;
- the type: the field's annotation, which picks the parser below;
- the default: the field's default (none: the setting is required);
- the environment variables: ``GATEHOUSE_<TABLE>_<KEY>``, plus ``metadata["env"]`` if any;
- the row of the table in ``docs/configuration.md`` (``docs_table``).

Unknown keys are errors that name the nearest known one (``difflib``), so a typo never
silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from gatehouse._record import record
from gatehouse.errors import ConfigurationError, UnknownSettingError

__all__ = [
    "REQUIRED",
    "Setting",
    "docs_table",
    "from_environment",
    "from_toml",
    "refuse_unknown_variables",
    "setting",
    "settings_of",
    "unknown_key",
]

REQUIRED: Any = dataclasses.MISSING

_EXAMPLES = {
    "str": '"text"',
    "strs": '["a", "b"] (or a comma-separated environment value)',
    "int": "a whole number, e.g. 600",
    "float": "a number, e.g. 10.0",
    "bool": "true or false",
}
# Annotation text (``from __future__ import annotations``) → (kind, optional, container).
_ANNOTATIONS: dict[str, tuple[str, bool, type | None]] = {
    "str": ("str", False, None),
    "str | None": ("str", True, None),
    "int": ("int", False, None),
    "int | None": ("int", True, None),
    "float": ("float", False, None),
    "bool": ("bool", False, None),
    "tuple[str, ...]": ("strs", False, tuple),
    "frozenset[str]": ("strs", False, frozenset),
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def setting(
    default: Any = REQUIRED, *, doc: str, env: str | None = None, key: str | None = None
) -> Any:
    """A settings field: ``port: int = setting(8000, doc="The port.")``."""
    metadata: dict[str, str] = {"doc": doc}
    if env is not None:
        metadata["env"] = env
    if key is not None:
        metadata["key"] = key
    return dataclasses.field(default=default, metadata=metadata)


@record
class Setting:
    """One setting, as derived from its field."""

    table: str
    key: str
    attribute: str
    kind: str
    optional: bool
    container: type | None
    default: Any
    doc: str
    env: tuple[str, ...]
    shown_default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED and self.shown_default is None

    def wrong(self) -> ConfigurationError:
        return ConfigurationError(f"[{self.table}] {self.key}: expected {_EXAMPLES[self.kind]}")

    def _finish(self, value: Any) -> Any:
        return self.container(value) if self.container is not None else value

    def parse(self, value: Any) -> Any:
        """A TOML value checked against the type (a bool is not an int here)."""
        kind = self.kind
        if kind == "str" and isinstance(value, str):
            return value
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if kind == "strs" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            return self._finish(value)
        raise self.wrong()

    def parse_text(self, text: str) -> Any:
        """An environment value (always text) checked against the type."""
        value = text.strip()
        if self.optional and not value:
            return None
        if self.kind == "str":
            return value
        if self.kind == "strs":
            return self._finish(part.strip() for part in value.split(",") if part.strip())
        if self.kind == "bool":
            if value.lower() in _TRUE:
                return True
            if value.lower() in _FALSE:
                return False
            raise self.wrong()
        try:
            return int(value) if self.kind == "int" else float(value)
        except ValueError:
            raise self.wrong() from None


def _default_of(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return REQUIRED


@cache
def settings_of(table: str, cls: type) -> dict[str, Setting]:
    """``{key: Setting}`` for the setting fields of the dataclass ``cls``."""
    found: dict[str, Setting] = {}
    for f in dataclasses.fields(cls):
        if "doc" not in f.metadata:
            continue
        shape = _ANNOTATIONS.get(str(f.type))
        if shape is None:  # a programming error, caught by the schema test
            raise TypeError(f"[{table}] {f.name}: no parser for the annotation {f.type!r}")
        key = str(f.metadata.get("key", f.name))
        env = [f"GATEHOUSE_{table.upper()}_{key.upper()}"]
        if "env" in f.metadata:
            env.append(str(f.metadata["env"]))
        found[key] = Setting(
            table=table,
            key=key,
            attribute=f.name,
            kind=shape[0],
            optional=shape[1],
            container=shape[2],
            default=_default_of(f),
            doc=str(f.metadata["doc"]),
            env=tuple(env),
            shown_default=f.metadata.get("shown_default"),
        )
    return found


def unknown_key(
    source: str, where: str, key: str, known: Iterable[str], what: str = "unknown setting"
) -> ConfigurationError:
    """The error for a key (or table) no schema declares, naming the nearest known one."""
    return UnknownSettingError.naming(source, where, key, list(known), what)


def from_toml(source: str, table: str, cls: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """``{attribute: value}`` from a TOML table; unknown keys and wrong types refused."""
    schema = settings_of(table, cls)
    parsed: dict[str, Any] = {}
    for key, value in values.items():
        if key not in schema:
            raise unknown_key(source, f"[{table}]", key, schema)
        parsed[schema[key].attribute] = schema[key].parse(value)
    return parsed


def from_environment(table: str, cls: type, environ: Mapping[str, str]) -> dict[str, Any]:
    """``{attribute: value}`` from the ``GATEHOUSE_*`` variables naming a setting of ``table``.

    Variables that name no setting are left alone: other parts (the functions run by the
    gateway, the Lambda authorizer) have variables of their own under the same prefix.
    """
    parsed: dict[str, Any] = {}
    for item in settings_of(table, cls).values():
        for name in item.env:  # the long name first; a short alias wins when both are set
            if name in environ:
                parsed[item.attribute] = item.parse_text(environ[name])
    return parsed


def refuse_unknown_variables(table: str, cls: type, environ: Mapping[str, str]) -> None:
    """``GATEHOUSE_<TABLE>_<KEY>`` naming no setting of ``table`` is a typo, not someone
    else's variable: refuse it with the nearest known name (a misspelt
    ``GATEHOUSE_STORAGE_POOLSIZE`` would otherwise leave the default in force)."""
    prefix = f"GATEHOUSE_{table.upper()}_"
    known = {name for item in settings_of(table, cls).values() for name in item.env}
    for name in environ:
        if name.startswith(prefix) and name not in known:
            raise unknown_key("environment", "variable", name, known, "names no setting")


def _shown(item: Setting) -> str:
    if item.shown_default is not None:
        return item.shown_default
    value = item.default
    if value is REQUIRED:
        return "required"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, tuple | frozenset):
        return "`[]`" if not value else f"`{list(value)}`"
    return f"`{value}`"


def docs_table(table: str, cls: type) -> str:
    """The Markdown table of ``[table]`` for docs/configuration.md."""
    lines = ["| key | default | environment | meaning |", "|---|---|---|---|"]
    for item in settings_of(table, cls).values():
        env = ", ".join(f"`{name}`" for name in item.env)
        lines.append(f"| `{item.key}` | {_shown(item)} | {env} | {item.doc} |")
    return "\n".join(lines) + "\n"
