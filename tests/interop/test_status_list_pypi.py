"""Token Status List interop with the PyPI ``token-status-list`` package (an independent codec):
its compressed lists decode here and ours there, for every bit width. A dev dependency:
skipped locally with the reason when it is not installed, a failure in CI."""

from __future__ import annotations

import importlib
import os
import random
from types import ModuleType

import pytest

from gatehouse.jose.status_list import StatusListBuilder, decode_status_list, encode_status_list


def _library() -> ModuleType:
    try:
        return importlib.import_module("token_status_list")
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("token-status-list must be installed in CI (pip install -e '.[dev]')")
        pytest.skip("token-status-list is not installed (pip install -e '.[dev]')")


def _entries(bits: int, size: int, seed: int) -> dict[int, int]:
    rng = random.Random(seed)
    return {i: rng.randrange(1, 1 << bits) for i in rng.sample(range(size), 200)}


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_their_lists_decode_here(bits: int) -> None:
    """BitArray.to_b64 (zlib level 9) decodes to the same entries with decode_status_list."""
    tsl = _library()
    size = 1 << 16
    entries = _entries(bits, size, bits)
    theirs = tsl.BitArray.of_size(bits, size)
    for idx, value in entries.items():
        theirs[idx] = value
    ours = decode_status_list({"bits": bits, "lst": theirs.to_b64()})
    assert ours.size == size
    assert all(ours.status(i) == entries.get(i, 0) for i in range(0, size, 7))
    assert all(ours.status(i) == v for i, v in entries.items())


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_our_lists_decode_there(bits: int) -> None:
    """encode_status_list's lst loads with BitArray.from_b64 and reads every entry back."""
    tsl = _library()
    size = 1 << 16
    entries = _entries(bits, size, 50 + bits)
    builder = StatusListBuilder(size, bits)
    for idx, value in entries.items():
        builder.set(idx, value)
    encoded = encode_status_list(builder.freeze())
    theirs = tsl.BitArray.from_b64(bits, encoded["lst"])
    assert len(theirs) == size
    assert all(theirs[i] == v for i, v in entries.items())
    assert sum(theirs[i] != 0 for i in range(size)) == len(entries)
