"""gatehouse was configured in a way that cannot work, or names a setting it does not know."""

from __future__ import annotations

from gatehouse.errors.base import GatehouseError


class ConfigurationError(GatehouseError):
    """gatehouse was configured in a way that cannot work or is unsafe."""

    code = "configuration"


class UnknownSettingError(ConfigurationError):
    """A settings file names a table or key gatehouse does not know (a typo, usually)."""

    code = "unknown_setting"

    def __init__(self, message: str, *, key: str, suggestion: str | None) -> None:
        super().__init__(message)
        self.key = key
        self.suggestion = suggestion

    @classmethod
    def naming(
        cls, source: str, where: str, key: str, known: list[str], what: str
    ) -> UnknownSettingError:
        """``gatehouse.toml: [issuer] acess_ttl: unknown setting; did you mean "…"?``"""
        import difflib

        names = sorted(known)
        near = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f'did you mean "{near[0]}"?' if near else f"expected one of {', '.join(names)}"
        prefix = f"{source}: " if source else ""
        return cls(
            f"{prefix}{where} {key}: {what}; {hint}", key=key, suggestion=next(iter(near), None)
        )
