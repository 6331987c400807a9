"""The root of the hierarchy: every error carries a stable ``code``, an RFC ``error`` value
and an HTTP ``status`` (the tree is drawn in ``gatehouse.errors``)."""

from __future__ import annotations


class GatehouseError(Exception):
    """Root of every error gatehouse raises on purpose."""

    code: str = "error"
    error: str = "server_error"
    status: int = 500

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code
