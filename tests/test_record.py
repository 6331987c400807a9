"""``gatehouse._record.record`` behaves as ``@dataclass(frozen=True, slots=True)`` does.

Each record here has a dataclass twin declared the same way; every behaviour a caller can
see (construction, defaults, equality, hashing, repr, immutability, ``dataclasses``
helpers, pickling, pattern matching) is checked on both, so a difference is a failure.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gatehouse._record import record


@record
class RecordPoint:
    """A record with every kind of field a gatehouse record uses."""

    x: int
    label: str
    weight: float = 1.0
    tags: frozenset[str] = field(default_factory=frozenset)
    secret: str = field(default="s3cret", repr=False)
    note: str = field(default="", compare=False)
    meta: int = field(default=0, metadata={"setting": "point.meta"})


@dataclass(frozen=True, slots=True)
class DataPoint:
    """Its dataclass twin, declared the same way."""

    x: int
    label: str
    weight: float = 1.0
    tags: frozenset[str] = field(default_factory=frozenset)
    secret: str = field(default="s3cret", repr=False)
    note: str = field(default="", compare=False)
    meta: int = field(default=0, metadata={"setting": "point.meta"})


BOTH = pytest.mark.parametrize("cls", [RecordPoint, DataPoint], ids=["record", "dataclass"])


def _strip(text: str) -> str:
    return text.replace("RecordPoint", "P").replace("DataPoint", "P")


@BOTH
def test_construction_positional_keyword_and_defaults(cls: type) -> None:
    a = cls(1, "a")
    assert (a.x, a.label, a.weight, a.tags, a.secret, a.note, a.meta) == (
        1, "a", 1.0, frozenset(), "s3cret", "", 0,
    )  # fmt: skip
    b = cls(label="b", x=2, weight=3.5, tags=frozenset({"t"}))
    assert (b.x, b.label, b.weight, b.tags) == (2, "b", 3.5, frozenset({"t"}))


def test_the_same_type_errors_as_dataclass_for_bad_arguments() -> None:
    for call in (
        lambda c: c(),
        lambda c: c(1),
        lambda c: c(1, "a", 1.0, frozenset(), "s", "n", 0, "extra"),
        lambda c: c(1, "a", nope=1),
        lambda c: c(1, "a", x=2),
    ):
        with pytest.raises(TypeError):
            call(DataPoint)
        with pytest.raises(TypeError):
            call(RecordPoint)


def test_a_factory_runs_for_each_instance_and_only_when_no_value_is_given() -> None:
    calls: list[int] = []

    @record
    class Bag:
        items: list[int] = field(default_factory=lambda: calls.append(1) or [])  # type: ignore[func-returns-value]

    first, second = Bag(), Bag()
    assert first.items is not second.items
    assert len(calls) == 2
    given_list = [1]
    assert Bag(given_list).items is given_list
    assert len(calls) == 2


@BOTH
def test_equality_and_hash_over_the_compared_fields_of_one_class(cls: type) -> None:
    a, b = cls(1, "a", note="one"), cls(1, "a", note="two")
    assert a == b
    assert hash(a) == hash(b)
    assert a != cls(2, "a")
    assert a != cls(1, "a", secret="other")
    assert len({a, b, cls(2, "a")}) == 2
    other = RecordPoint if cls is DataPoint else DataPoint
    assert a != other(1, "a")  # same fields, another class: not equal
    assert a.__eq__(object()) is NotImplemented


@BOTH
def test_repr_names_the_class_and_hides_repr_false_fields(cls: type) -> None:
    text = repr(cls(1, "a", tags=frozenset({"t"})))
    assert "s3cret" not in text
    assert _strip(text).endswith(
        "P(x=1, label='a', weight=1.0, tags=frozenset({'t'}), note='', meta=0)"
    )


@BOTH
def test_frozen_and_slotted(cls: type) -> None:
    a = cls(1, "a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del a.x
    with pytest.raises((AttributeError, TypeError)):
        a.undeclared = 1
    assert not hasattr(a, "__dict__")
    assert a.x == 1


@BOTH
def test_the_dataclasses_helpers_work(cls: type) -> None:
    a = cls(1, "a")
    assert dataclasses.is_dataclass(a)
    names = [f.name for f in dataclasses.fields(a)]
    assert names == ["x", "label", "weight", "tags", "secret", "note", "meta"]
    assert dataclasses.fields(a)[-1].metadata["setting"] == "point.meta"
    changed = dataclasses.replace(a, x=5)
    assert changed.x == 5
    assert changed.label == "a"
    assert a.x == 1
    assert dataclasses.asdict(a)["secret"] == "s3cret"
    assert cls.__match_args__ == tuple(names)


@BOTH
def test_pickle_and_copy_keep_the_value(cls: type) -> None:
    a = cls(1, "a", tags=frozenset({"t"}), note="n")
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(a, protocol))
        assert back == a
        assert back.note == "n"
    assert copy.copy(a) == a
    assert copy.deepcopy(a) == a


@BOTH
def test_pattern_matching(cls: type) -> None:
    match cls(1, "a"):
        case cls(x, label):  # type: ignore[misc]
            assert (x, label) == (1, "a")
        case _:
            pytest.fail("no match")


def test_post_init_runs_after_the_fields_are_set_and_may_refuse() -> None:
    @record
    class Window:
        low: int
        high: int

        def __post_init__(self) -> None:
            if self.low > self.high:
                raise ValueError("low above high")

    assert Window(1, 2).high == 2
    with pytest.raises(ValueError, match="low above high"):
        Window(3, 2)


def test_a_class_body_repr_eq_and_hash_are_kept() -> None:
    @record
    class Token:
        value: str

        def __repr__(self) -> str:
            return "Token(<redacted>)"

    @record
    class Loose:
        value: str

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Loose)

        def __hash__(self) -> int:
            return 7

    assert repr(Token("x")) == "Token(<redacted>)"
    assert Loose("a") == Loose("b")
    assert hash(Loose("a")) == 7


def test_an_inherited_record_extends_its_base() -> None:
    @record
    class Base:
        a: int

    @record
    class Child(Base):
        b: str = "b"

    child = Child(1)
    assert (child.a, child.b) == (1, "b")
    assert child != Base(1)
    assert Base(1) == Base(1)
    assert [f.name for f in dataclasses.fields(Child)] == ["a", "b"]


def test_fields_the_shared_init_cannot_write_are_refused_at_declaration() -> None:
    with pytest.raises(TypeError, match="init=False or kw_only"):

        @record
        class Hidden:
            a: int = field(default=0, init=False)

    with pytest.raises(TypeError, match="init=False or kw_only"):

        @record
        class KeywordOnly:
            a: int = field(default=0, kw_only=True)

    with pytest.raises(TypeError, match="frozen"):

        @record
        class Settable:
            a: int

            def __setattr__(self, name: str, value: object) -> None:
                object.__setattr__(self, name, value)


def test_a_record_with_no_compared_fields() -> None:
    @record
    class Empty:
        pass

    assert Empty() == Empty()
    assert hash(Empty()) == hash(Empty())
    assert repr(Empty()) == ("test_a_record_with_no_compared_fields.<locals>.Empty()")


@given(
    x=st.integers(),
    label=st.text(max_size=8),
    weight=st.floats(allow_nan=False),
    tags=st.frozensets(st.text(max_size=3), max_size=3),
    y=st.integers(),
)
def test_record_and_dataclass_agree(
    x: int, label: str, weight: float, tags: frozenset[str], y: int
) -> None:
    r1, d1 = RecordPoint(x, label, weight, tags), DataPoint(x, label, weight, tags)
    r2, d2 = RecordPoint(y, label, weight, tags), DataPoint(y, label, weight, tags)
    assert (r1 == r2) == (d1 == d2)
    assert _strip(repr(r1)) == _strip(repr(d1))
    assert dataclasses.astuple(r1) == dataclasses.astuple(d1)
    assert hash(r1) == hash(RecordPoint(x, label, weight, tags))
