"""The status list codec against the draft's own vectors, hostile streams and properties."""

from __future__ import annotations

import json
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.errors import GatehouseError, InvalidStatusError, InvalidStatusListError
from gatehouse.jose.b64 import b64url_encode
from gatehouse.jose.status_list import (
    StatusList,
    StatusListBuilder,
    decode_status_list,
    encode_status_list,
)

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "draft_vectors.json").read_text()
)["vectors"]


def _lst(raw: bytes) -> dict[str, Any]:
    return {"bits": 1, "lst": b64url_encode(raw)}


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_draft_vectors_decode_to_their_entries(vector: dict[str, Any]) -> None:
    """Every draft vector decodes and each listed index reads its value, all others 0."""
    decoded = decode_status_list(vector["status_list"])
    assert decoded.bits == vector["status_list"]["bits"]
    assert decoded.size >= vector["size"]
    entries = {int(i): v for i, v in vector["entries"].items()}
    for idx, value in entries.items():
        assert decoded.status(idx) == value
    unset = [i for i in range(0, vector["size"], 997) if i not in entries]
    assert all(decoded.status(i) == 0 for i in unset)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_builder_reproduces_draft_vectors(vector: dict[str, Any]) -> None:
    """Building the same entries gives the same bytes as the draft (and the same lst at level 9)."""
    builder = StatusListBuilder(vector["size"], vector["status_list"]["bits"])
    for idx, value in vector["entries"].items():
        builder.set(int(idx), value)
    ours = builder.freeze()
    assert ours == decode_status_list(vector["status_list"])
    if "hex" in vector:
        assert zlib.decompress(bytes.fromhex(vector["hex"])) == ours.data
    assert decode_status_list(encode_status_list(ours)) == ours


def test_section_4_1_bytes_are_lsb_first() -> None:
    """The §4.1 example: statuses 1,0,0,1,1,1,0,1 | 1,1,0,0,0,1,0,1 pack to 0xB9 0xA3."""
    builder = StatusListBuilder(16, 1)
    for idx, bit in enumerate([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]):
        builder.set(idx, bit)
    assert builder.freeze().data == bytes([0xB9, 0xA3])


@pytest.mark.parametrize("bits", [0, 3, 5, 16, True, "1", None, 1.0])
def test_bit_widths_other_than_1_2_4_8_are_refused(bits: object) -> None:
    """bits must be exactly one of 1, 2, 4, 8 (§4.2); anything else is InvalidStatusListError."""
    with pytest.raises(InvalidStatusListError):
        decode_status_list({"bits": bits, "lst": b64url_encode(zlib.compress(b"\0"))})


@pytest.mark.parametrize("idx", [-1, 16, 17, 10**12])
def test_index_outside_the_list_is_a_token_error(idx: int) -> None:
    """An index outside the list is InvalidStatusError on the claim "status" (§8.3 step 6)."""
    status_list = StatusList(b"\xff\xff", 1)
    with pytest.raises(InvalidStatusError) as info:
        status_list.status(idx)
    assert info.value.claim == "status"


def test_truncated_stream_is_refused() -> None:
    """A ZLIB stream cut short (no end of stream, no Adler-32) is refused."""
    whole = zlib.compress(bytes(range(256)) * 40, 9)
    for cut in (2, len(whole) // 2, len(whole) - 1):
        with pytest.raises(InvalidStatusListError, match=r"truncated|valid ZLIB"):
            decode_status_list(_lst(whole[:cut]))


def test_trailing_bytes_and_bad_checksum_are_refused() -> None:
    """Bytes after the stream, a bad Adler-32 and raw DEFLATE without the wrapper are refused."""
    whole = zlib.compress(b"\x00" * 100, 9)
    with pytest.raises(InvalidStatusListError, match="after"):
        decode_status_list(_lst(whole + b"\x00"))
    with pytest.raises(InvalidStatusListError):
        decode_status_list(_lst(whole[:-1] + bytes([whole[-1] ^ 1])))
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    with pytest.raises(InvalidStatusListError):
        decode_status_list(_lst(raw.compress(b"\x00" * 100) + raw.flush()))


def _zero_bomb(mib: int) -> bytes:
    """A valid ZLIB stream of ``mib`` MiB of zeros (~1 KiB per MiB), built in milliseconds.

    After a full flush DEFLATE keeps no history, so the compressed form of each further
    1 MiB of zeros is the same byte-aligned segment and can be repeated; the Adler-32 of
    n zero bytes is ((n mod 65521) << 16) | 1 (RFC 1950 §8.2 with every byte 0).
    """
    compressor = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(chunk) + compressor.flush()
    size = mib << 20
    return first + segment * (mib - 2) + last[:-4] + struct.pack(">I", ((size % 65521) << 16) | 1)


def test_zero_bomb_is_a_valid_stream() -> None:
    """The test's bomb inflates, whole and checksummed, to exactly its stated size."""
    assert zlib.decompress(_zero_bomb(8)) == bytes(8 << 20)


def test_decompression_bomb_costs_bounded_time() -> None:
    """1 GiB of zeros compressed (~1 MiB) is refused at the 2 MiB cap, quickly."""
    bomb = _zero_bomb(1024)
    started = time.perf_counter()
    with pytest.raises(InvalidStatusListError, match="larger than"):
        decode_status_list(_lst(bomb))
    assert time.perf_counter() - started < 1.0


def test_oversized_list_is_refused_even_when_small_compressed() -> None:
    """A list one byte over max_list_bytes is refused; one at the limit is accepted."""
    at_limit = zlib.compress(bytes(1000), 9)
    assert decode_status_list(_lst(at_limit), max_list_bytes=1000).size == 8000
    with pytest.raises(InvalidStatusListError, match="larger than"):
        decode_status_list(_lst(zlib.compress(bytes(1001), 9)), max_list_bytes=1000)


@pytest.mark.parametrize(
    "obj",
    [
        None,
        [],
        {"bits": 1},
        {"bits": 1, "lst": ""},
        {"bits": 1, "lst": 7},
        {"bits": 1, "lst": "eNrbuRgAAhcBXQ=="},
        {"bits": 1, "lst": "eNrbuRgAAhcBXQ", "aggregation_uri": 3},
    ],
)
def test_malformed_status_list_objects_are_refused(obj: object) -> None:
    """Missing or mistyped members and padded base64 are InvalidStatusListError."""
    with pytest.raises(InvalidStatusListError):
        decode_status_list(obj)


def test_aggregation_uri_is_allowed_and_ignored() -> None:
    """An aggregation_uri string (§9) does not change the decoded list."""
    plain = {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}
    with_aggregation = {**plain, "aggregation_uri": "https://example.com/statuslists"}
    assert decode_status_list(with_aggregation) == decode_status_list(plain)


@settings(max_examples=200, deadline=None)
@given(
    bits=st.sampled_from([1, 2, 4, 8]),
    values=st.lists(st.integers(min_value=0, max_value=255), min_size=1, max_size=300),
)
def test_round_trip_property(bits: int, values: list[int]) -> None:
    """set → encode → decode reads back every value, for every width."""
    builder = StatusListBuilder(len(values), bits)
    for idx, value in enumerate(values):
        builder.set(idx, value & ((1 << bits) - 1))
    decoded = decode_status_list(encode_status_list(builder.freeze()))
    assert [decoded.status(i) for i in range(len(values))] == [
        v & ((1 << bits) - 1) for v in values
    ]


@settings(max_examples=300, deadline=None)
@given(lst=st.text(max_size=200), bits=st.one_of(st.integers(), st.none(), st.text(max_size=3)))
def test_decoder_raises_only_gatehouse_errors(lst: str, bits: object) -> None:
    """Any input either decodes or raises a GatehouseError, never anything else."""
    try:
        decode_status_list({"bits": bits, "lst": lst})
    except GatehouseError:
        pass


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_gatehouse_errors(raw: bytes) -> None:
    """Arbitrary compressed bytes either decode or raise InvalidStatusListError."""
    try:
        decode_status_list(_lst(raw))
    except InvalidStatusListError:
        pass
