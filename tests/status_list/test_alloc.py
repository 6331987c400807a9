"""Random status list indices: uniform, never reused, bounded attempts, injectable randomness."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatehouse.errors import ConfigurationError
from gatehouse.jose.status_list_alloc import DEFAULT_LIST_SIZE, StatusIndexAllocator


def test_picks_never_repeat_until_full() -> None:
    """Allocating up to capacity yields distinct indices, all inside the list."""
    allocator = StatusIndexAllocator(1024, random_bytes=random.Random(3).randbytes)
    taken: set[int] = set()
    while not allocator.is_full(len(taken)):
        idx = allocator.pick(taken)
        assert idx is not None
        assert 0 <= idx < 1024
        assert idx not in taken
        taken.add(idx)
    assert len(taken) == 512


def test_indices_do_not_reveal_issue_order() -> None:
    """Consecutive picks are not sequential and spread over the whole list."""
    allocator = StatusIndexAllocator(random_bytes=random.Random(5).randbytes)
    taken: set[int] = set()
    picks = []
    for _ in range(2000):
        idx = allocator.pick(taken)
        assert idx is not None
        taken.add(idx)
        picks.append(idx)
    ascending = sum(b == a + 1 for a, b in itertools.pairwise(picks))
    assert ascending < 5
    quarters = [
        sum(q * DEFAULT_LIST_SIZE // 4 <= i < (q + 1) * DEFAULT_LIST_SIZE // 4 for i in picks)
        for q in range(4)
    ]
    assert min(quarters) > 400


def test_every_draw_taken_is_none() -> None:
    """When all ``attempts`` draws hit taken indices, pick answers None (open a new list)."""
    allocator = StatusIndexAllocator(64, attempts=5, random_bytes=lambda n: b"\0\0\0\7" * (n // 4))
    assert allocator.pick({7}) is None
    assert allocator.pick(set()) == 7


def test_draws_are_masked_to_the_list_and_kept_only_inside_it() -> None:
    """A word is cut to the list's bit width (104 entries: 7 bits), and one at or past
    the end is drawn again, never folded onto the start (which would favour low indices)."""
    high = 0xFFFFFF00  # bits above the width: dropped by the mask
    reads = [[high | 99, high | 127, high | 100], [high | 5]]
    asked: list[int] = []

    def source(n: int) -> bytes:
        asked.append(n)
        return b"".join(word.to_bytes(4, "big") for word in reads[len(asked) - 1])

    allocator = StatusIndexAllocator(104, random_bytes=source)
    assert allocator.draw(3) == (99, 100, 5)
    assert asked == [12, 4]  # one read for all three, one more for the one that missed


def test_a_source_that_keeps_missing_the_list_ends_with_fewer_draws() -> None:
    """Bounded: ``attempts`` reads, then what was found (the store opens a new list)."""
    allocator = StatusIndexAllocator(
        72, attempts=3, random_bytes=lambda n: b"\0\0\0\x7f" * (n // 4)
    )
    assert allocator.draw(8) == ()


def test_default_randomness_is_the_csprng() -> None:
    """Without an injected source, candidates come from secrets and stay in range."""
    allocator = StatusIndexAllocator(4096)
    assert all(0 <= i < 4096 for i in allocator.candidates())
    assert len(list(allocator.candidates())) == allocator.attempts


@pytest.mark.parametrize(
    "options",
    [
        {"size": 7},
        {"size": 100},
        {"size": True},
        {"size": 1 << 28},
        {"size": 64, "max_fill": 0},
        {"size": 64, "max_fill": 1.0},
        {"size": 64, "attempts": 0},
    ],
)
def test_impossible_settings_are_configuration_errors(options: dict[str, object]) -> None:
    """Sizes not a multiple of 8 or out of range, and bad fill/attempts, are refused."""
    with pytest.raises(ConfigurationError):
        StatusIndexAllocator(**options)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(), size=st.sampled_from([8, 64, 4096]))
def test_property_no_double_allocation(seed: int, size: int) -> None:
    """For any random source, filling to capacity never hands out an index twice."""
    allocator = StatusIndexAllocator(size, random_bytes=random.Random(seed).randbytes)
    taken: set[int] = set()
    while not allocator.is_full(len(taken)):
        idx = allocator.pick(taken)
        if idx is None:
            break
        assert idx not in taken
        taken.add(idx)
