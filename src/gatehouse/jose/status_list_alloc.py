"""Choosing a token's index in a status list: at random, never twice, across a large list.

draft-ietf-oauth-status-list-20 §10.4-§10.5 and §12.2-§12.3: sequential indices reveal how
many tokens an issuer hands out and in what order, and let two relying parties link tokens
issued together; the draft recommends "non-sequential, pseudo-random or random indices" over
a list much larger than the live set (decoys), and that the same ``uri``/``idx`` is never
allocated twice (§12.3 "MUST prevent any unintended double allocation").

So an index is drawn uniformly from the whole list with a CSPRNG, and the store claims it
atomically (for SQL: an insert that fails on the unique ``(list, idx)`` key, then the next
candidate). A list is "full" at ``max_fill`` (half, by default): below that, each draw hits
a free slot with probability at least 1/2, so ``attempts`` draws fail together with
probability at most 2**-attempts, and the issuer opens a new list instead.

The draws come from one read of the CSPRNG for all the candidates a token needs: 4 bytes
each, masked to the list's bit width and kept when inside the list (all of them for a
power-of-two size, at least half otherwise). ``secrets.randbelow`` per candidate cost a
``getrandom`` call each, about two per draw for a power-of-two size (its rejection
sampling asks for one bit more than the size needs): 23 µs of every token minted against
3.4 µs.

Pure: randomness is a parameter; the store does the claiming.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Callable, Container, Iterator

from gatehouse.errors import ConfigurationError

__all__ = ["DEFAULT_LIST_SIZE", "StatusIndexAllocator"]

DEFAULT_LIST_SIZE = 1 << 20  # 128 KiB of raw bits; a list of zeros compresses to ~150 bytes


class StatusIndexAllocator:
    """Random index candidates for one list of ``size`` entries."""

    __slots__ = ("_mask", "_random_bytes", "attempts", "capacity", "size")

    def __init__(
        self,
        size: int = DEFAULT_LIST_SIZE,
        *,
        max_fill: float = 0.5,
        attempts: int = 40,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or not 8 <= size <= 1 << 27:
            raise ConfigurationError("a status list size must be 8 to 2**27 entries")
        if size % 8:
            # §12.4 recommends sizes in whole bytes.
            raise ConfigurationError("a status list size must be a multiple of 8")
        if not 0 < max_fill <= 0.9:
            raise ConfigurationError("max_fill must be above 0 and at most 0.9")
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ConfigurationError("attempts must be a positive integer")
        self.size = size
        self.capacity = int(size * max_fill)  # live indices before the list counts as full
        self.attempts = attempts
        self._mask = (1 << (size - 1).bit_length()) - 1
        self._random_bytes = random_bytes

    def is_full(self, allocated: int) -> bool:
        """Should the issuer open a new list instead of allocating in this one?"""
        return allocated >= self.capacity

    def draw(self, count: int) -> tuple[int, ...]:
        """``count`` uniformly random indices (fewer only if the source kept missing the
        list for ``attempts`` reads: never, from a CSPRNG)."""
        found: list[int] = []
        for _ in range(self.attempts):
            need = count - len(found)
            if need <= 0:
                break
            words = struct.unpack(f">{need}I", self._random_bytes(4 * need))
            found.extend(idx for idx in (word & self._mask for word in words) if idx < self.size)
        return tuple(found[:count])

    def candidates(self) -> Iterator[int]:
        """Up to ``attempts`` uniformly random indices; the store claims the first free one."""
        yield from self.draw(self.attempts)

    def pick(self, taken: Container[int]) -> int | None:
        """The first candidate not in ``taken`` (an in-memory store), or None when every
        draw hit a taken index (treat the list as full)."""
        for idx in self.candidates():
            if idx not in taken:
                return idx
        return None

    def __repr__(self) -> str:
        return f"StatusIndexAllocator(size={self.size}, capacity={self.capacity})"
