"""The Token Status List itself: a packed array of 1, 2, 4 or 8 bit statuses, ZLIB-compressed.

Read from draft-ietf-oauth-status-list-20 (IESG-approved; the revision this code follows).
§4.1: each token has an index; index ``i`` with ``bits`` per entry lives in byte
``i * bits // 8``, packed from the least significant bit up (so with ``bits = 1`` entry 0 is
bit 0 of byte 0); the array is compressed with DEFLATE in the ZLIB format (RFC 1950/1951).
§4.2: the JSON form is ``{"bits": n, "lst": base64url(compressed)}`` with an optional
``aggregation_uri`` (§9), which a verifier has no use for and ignores. §11.1 asks for exactly
this care with bit order; the draft's own vectors (§A) are pinned in the tests.

Decoding is the dangerous direction, because the compressed bytes come from the network: a
few kilobytes of DEFLATE can expand to gigabytes. ``decode_status_list`` therefore
decompresses with a hard output cap enforced by zlib itself (``max_length``), so a bomb costs
at most the cap in memory and the time to produce it, and it refuses a stream that is
truncated, carries trailing bytes or fails its Adler-32 check (RFC 1950 §2.2).

Pure: no I/O, no clock. Errors: a list that cannot be decoded is ``InvalidStatusListError``
(the list's publisher is at fault, 503); an index outside the list is ``InvalidStatusError``
(the token's fault, 401: §8.3 step 6 says such a token MUST be rejected).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from gatehouse.errors import InvalidStatusError, InvalidStatusListError
from gatehouse.jose.b64 import b64url_decode, b64url_encode

__all__ = [
    "ALLOWED_BITS",
    "DEFAULT_MAX_LIST_BYTES",
    "INVALID",
    "SUSPENDED",
    "VALID",
    "StatusList",
    "StatusListBuilder",
    "decode_status_list",
    "encode_status_list",
]

ALLOWED_BITS = (1, 2, 4, 8)  # §4.1 step 1
# Status Type values, §7.1.
VALID = 0x00
INVALID = 0x01
SUSPENDED = 0x02
# 2 MiB of decompressed bits: 16 Mi one-bit entries. The caller may lower or raise it.
DEFAULT_MAX_LIST_BYTES = 2 * 1024 * 1024
# Base64url text is 4/3 of its bytes, and DEFLATE never shrinks input beyond ~1032:1, so no
# honest ``lst`` for a capped list is longer than this multiple of the cap (+ slack).
_MAX_B64_PER_LIST_BYTE = 4


class StatusList:
    """An immutable, decoded status list: one bytes object and the entry width.

    ``status(idx)`` is the verifier's hot path: two shifts and a mask on a ``bytes`` object,
    no allocation.
    """

    # Public, read-only by convention: the verifier's hot path inlines ``status`` with them.
    __slots__ = ("bits", "data", "mask", "per_byte_shift", "size", "slot_mask", "width_shift")

    bits: int
    size: int
    data: bytes  # the uncompressed byte array (§4.1 step 2)

    def __init__(self, data: bytes, bits: int) -> None:
        if type(bits) is not int or bits not in ALLOWED_BITS:
            raise InvalidStatusListError("status list bits must be 1, 2, 4 or 8")
        self.data = bytes(data)
        self.bits = bits
        self.size = len(self.data) * 8 // bits  # number of entries
        self.mask = (1 << bits) - 1
        # entry idx sits in byte idx >> per_byte_shift, at bit (idx & slot_mask) << width_shift
        self.width_shift = bits.bit_length() - 1  # log2(bits)
        self.per_byte_shift = 3 - self.width_shift  # log2(8 / bits)
        self.slot_mask = (1 << self.per_byte_shift) - 1

    def status(self, idx: int) -> int:
        """The Status Type value of entry ``idx`` (§4.1 step 3, LSB first)."""
        if idx < 0:
            raise InvalidStatusError("the status index is outside the status list", claim="status")
        try:
            byte = self.data[idx >> self.per_byte_shift]
        except IndexError:
            # The list holds exactly len(data) * 8 / bits entries, so this is idx >= size.
            raise InvalidStatusError(
                "the status index is outside the status list", claim="status"
            ) from None
        return (byte >> ((idx & self.slot_mask) << self.width_shift)) & self.mask

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return self.bits == other.bits and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.bits, self.data))

    def __repr__(self) -> str:
        return f"StatusList(bits={self.bits}, size={self.size})"


class StatusListBuilder:
    """A mutable list for the issuer side: set entries, then encode (§4.1 steps 2-3).

    Every entry starts at ``VALID`` (0): §12.3 recommends the most common value as the
    default, which keeps the compressed list small and hides how many indices are in use.
    """

    __slots__ = ("_array", "bits", "size")

    def __init__(self, size: int, bits: int = 1) -> None:
        if type(bits) is not int or bits not in ALLOWED_BITS:
            raise InvalidStatusListError("status list bits must be 1, 2, 4 or 8")
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise InvalidStatusListError("a status list holds at least one entry")
        # §12.4 recommends a size in bits divisible by 8: round up to whole bytes.
        self._array = bytearray((size * bits + 7) // 8)
        self.bits = bits
        self.size = len(self._array) * 8 // bits

    def set(self, idx: int, value: int) -> None:
        """Set entry ``idx`` to ``value`` (0 to 2**bits - 1)."""
        if isinstance(idx, bool) or not 0 <= idx < self.size:
            raise InvalidStatusListError("the index is outside the status list")
        if isinstance(value, bool) or not 0 <= value < (1 << self.bits):
            raise InvalidStatusListError(f"a status must fit in {self.bits} bits")
        per_byte = 8 // self.bits
        byte, slot = divmod(idx, per_byte)
        shift = slot * self.bits
        mask = ((1 << self.bits) - 1) << shift
        self._array[byte] = (self._array[byte] & ~mask & 0xFF) | (value << shift)

    def freeze(self) -> StatusList:
        """An immutable snapshot of the list as it stands."""
        return StatusList(bytes(self._array), self.bits)


def encode_status_list(status_list: StatusList, *, level: int = 9) -> dict[str, Any]:
    """The JSON ``StatusList`` object (§4.2); level 9 is the draft's recommendation (§4.1)."""
    compressed = zlib.compress(status_list.data, level)
    return {"bits": status_list.bits, "lst": b64url_encode(compressed)}


def decode_status_list(obj: Any, *, max_list_bytes: int = DEFAULT_MAX_LIST_BYTES) -> StatusList:
    """Parse a JSON ``StatusList`` object (§4.2); the list may not exceed ``max_list_bytes``.

    The cap holds while decompressing: zlib stops producing output one byte past it, so an
    oversized or hostile stream is refused after at most ``max_list_bytes + 1`` bytes of work.
    """
    if not isinstance(obj, Mapping):
        raise InvalidStatusListError("status_list must be a JSON object")
    bits = obj.get("bits")
    if type(bits) is not int or bits not in ALLOWED_BITS:
        raise InvalidStatusListError("status list bits must be 1, 2, 4 or 8")
    lst = obj.get("lst")
    if not isinstance(lst, str) or not lst:
        raise InvalidStatusListError("status list lst must be a non-empty string")
    aggregation_uri = obj.get("aggregation_uri")
    if aggregation_uri is not None and not isinstance(aggregation_uri, str):
        raise InvalidStatusListError("status list aggregation_uri must be a string")
    if len(lst) > _MAX_B64_PER_LIST_BYTE * max_list_bytes + 64:
        raise InvalidStatusListError(f"the status list is larger than {max_list_bytes} bytes")
    try:
        compressed = b64url_decode(lst)
    except (ValueError, UnicodeEncodeError):
        raise InvalidStatusListError("status list lst is not canonical base64url") from None
    return StatusList(_inflate(compressed, max_list_bytes), bits)


def _inflate(compressed: bytes, limit: int) -> bytes:
    """ZLIB-decompress (RFC 1950) at most ``limit`` bytes; refuse anything but one whole stream."""
    inflater = zlib.decompressobj()  # wbits=15: the ZLIB wrapper, header and Adler-32 checked
    try:
        data = inflater.decompress(compressed, limit + 1)
    except zlib.error:
        raise InvalidStatusListError("status list lst is not a valid ZLIB stream") from None
    if len(data) > limit:
        raise InvalidStatusListError(f"the status list is larger than {limit} bytes")
    if not inflater.eof:
        # All input consumed (output stayed under max_length) but the stream never ended.
        raise InvalidStatusListError("status list lst is a truncated ZLIB stream")
    if inflater.unused_data:
        raise InvalidStatusListError("status list lst has bytes after its ZLIB stream")
    return data
