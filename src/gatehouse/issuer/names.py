"""Usernames and emails compared the way people read them.

NFKC folds compatibility forms (full-width letters, ligatures) and ``casefold`` is the
Unicode-aware lower-casing, so "Ａlice", "alice" and "ALICE" are one account; NFKC is
applied again after folding because folding can produce unnormalised text (the same
order RFC 8265 §3.4 prescribes for its UsernameCaseMapped profile).
"""

from __future__ import annotations

import unicodedata

from gatehouse.errors import InvalidRequestError

__all__ = ["MAX_NAME_CHARS", "normalise_email", "normalise_username"]

MAX_NAME_CHARS = 254
"""The longest email address SMTP can carry (RFC 5321 §4.5.3.1 path limits)."""


def _fold(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise InvalidRequestError(f"{what} must be text")
    if len(text) > 4 * MAX_NAME_CHARS:
        raise InvalidRequestError(f"{what} is too long")
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    folded = folded.strip()
    if not folded:
        raise InvalidRequestError(f"{what} is required")
    if len(folded) > MAX_NAME_CHARS:
        raise InvalidRequestError(f"{what} is too long")
    for char in folded:
        if char.isspace() or unicodedata.category(char).startswith("C"):
            raise InvalidRequestError(f"{what} may not contain spaces or control characters")
    return folded


def normalise_username(username: str) -> str:
    """The form accounts are stored and looked up under."""
    return _fold(username, "username")


def normalise_email(email: str) -> str:
    """Case-folded like a username; must have one ``@`` with text on both sides."""
    folded = _fold(email, "email")
    local, at, domain = folded.rpartition("@")
    if not at or not local or not domain or "@" in local:
        raise InvalidRequestError("email is not an address")
    return folded
