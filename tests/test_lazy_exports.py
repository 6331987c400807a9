"""The lazy packages (PEP 562 ``__getattr__``) keep the public API they had when eager.

``gatehouse``, ``gatehouse.errors``, ``gatehouse.jose`` and ``gatehouse.keys`` import each
name on first use (issue 15 §2: cold start). Each of them declares a name three times: in
``__all__``, in the ``if TYPE_CHECKING:`` imports mypy reads, and in the map ``__getattr__``
loads from; these tests hold the three equal, and check in fresh interpreters (so nothing
is loaded already) that every name resolves, ``dir()`` lists it, importing a package loads
nothing else, and the error classes stay one hierarchy named ``gatehouse.errors``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gatehouse"
PACKAGES = {
    "gatehouse": SRC / "__init__.py",
    "gatehouse.errors": SRC / "errors" / "__init__.py",
    "gatehouse.jose": SRC / "jose" / "__init__.py",
    "gatehouse.keys": SRC / "keys" / "__init__.py",
}


def _fresh(program: str, *args: str) -> object:
    """The JSON a fresh interpreter running ``program`` prints."""
    done = subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def _static_imports(path: Path) -> dict[str, str]:
    """``name -> module`` of the imports under the package's ``if TYPE_CHECKING:``."""
    found: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom), ast.unparse(stmt)
                assert stmt.module, ast.unparse(stmt)
                found.update((alias.name, stmt.module) for alias in stmt.names)
    return found


def _lazy_map(package: str) -> dict[str, str]:
    """``name -> module`` as the package's ``__getattr__`` will load it."""
    module = __import__(package, fromlist=["_"])
    if package == "gatehouse.errors":
        branches: dict[str, tuple[str, ...]] = module._BRANCHES
        return {name: f"{package}.{b}" for b, names in branches.items() for name in names}
    homes: dict[str, str] = module._HOMES
    return {n: h if h.startswith("gatehouse.") else f"{package}.{h}" for n, h in homes.items()}


@pytest.mark.parametrize("package", PACKAGES)
def test_all_static_imports_and_lazy_map_name_the_same_things(package: str) -> None:
    """``__all__``, the TYPE_CHECKING imports and the lazy map agree, name by name."""
    module = __import__(package, fromlist=["_"])
    public = set(module.__all__) - {"__version__"}
    static = _static_imports(PACKAGES[package])
    assert set(static) == public
    assert _lazy_map(package) == static
    assert len(module.__all__) == len(set(module.__all__))


_RESOLVE = """
import importlib, json, sys
name = sys.argv[1]
package = importlib.import_module(name)
listed = sorted(set(package.__all__) - set(dir(package)))
homes = {}
for public in package.__all__:
    value = getattr(package, public)
    homes[public] = getattr(value, "__module__", None) if isinstance(value, type) else None
namespace = {}
exec(f"from {name} import *", namespace)
print(json.dumps({"unlisted": listed, "homes": homes,
                  "star": sorted(set(package.__all__) - set(namespace))}))
"""


@pytest.mark.parametrize("package", PACKAGES)
def test_every_name_in_all_resolves_in_a_fresh_interpreter(package: str) -> None:
    """Before anything is loaded, ``dir()`` lists every public name; each one resolves by
    attribute and by ``import *``, and a class resolves to the module the map names."""
    found = _fresh(_RESOLVE, package)
    assert isinstance(found, dict)
    assert found["unlisted"] == []
    assert found["star"] == []
    lazy = _lazy_map(package)
    for name, home in found["homes"].items():
        if package == "gatehouse.errors":
            assert home == "gatehouse.errors", name  # the one public path, see below
        else:
            assert home in (None, lazy.get(name)), name


_LOADED = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "gatehouse")))
"""


@pytest.mark.parametrize("package", PACKAGES)
def test_importing_a_package_loads_nothing_until_a_name_is_used(package: str) -> None:
    """``import gatehouse.errors`` (or jose, keys, the top) loads that package, its parents
    and the one lazy-export helper only: the branch modules wait for the first name asked."""
    parents = [".".join(package.split(".")[: i + 1]) for i in range(package.count(".") + 1)]
    assert _fresh(_LOADED, package) == sorted([*parents, "gatehouse._lazy"])


@pytest.mark.parametrize("package", PACKAGES)
def test_an_unknown_name_is_an_attribute_error(package: str) -> None:
    """A typo fails as it did when eager: ``AttributeError``, so ``hasattr`` says False."""
    module = __import__(package, fromlist=["_"])
    with pytest.raises(AttributeError, match="NoSuchName"):
        module.NoSuchName  # noqa: B018
    assert not hasattr(module, "NoSuchName")


_HIERARCHY = """
import json, pickle
import gatehouse.errors as errors
first = errors.DPoPBindingError  # loads the dpop branch, which loads token and base
early = sorted({c.__module__ for c in first.__mro__ if issubclass(c, errors.GatehouseError)})
try:
    raise errors.MalformedTokenError("bad")
except errors.TokenError as caught:
    again = pickle.loads(pickle.dumps(caught))
classes = [getattr(errors, name) for name in errors.__all__]
print(json.dumps({
    "early": early,
    "modules": sorted({c.__module__ for c in classes}),
    "same": all(getattr(errors, c.__name__) is c for c in classes),
    "pickled": type(again) is errors.MalformedTokenError and again.args == ("bad",),
    "by_reference": b"gatehouse.errors.token" not in pickle.dumps(errors.TokenError),
    "dpop_is_token": issubclass(errors.DPoPBindingError, errors.TokenError),
}))
"""


def test_error_classes_stay_one_hierarchy_named_gatehouse_errors() -> None:
    """Loaded branch by branch, every error class is still named ``gatehouse.errors.X``
    (bases too, reached through a subclass), pickles by that name, and ``except`` and
    ``issubclass`` see one hierarchy."""
    assert _fresh(_HIERARCHY) == {
        "early": ["gatehouse.errors"],
        "modules": ["gatehouse.errors"],
        "same": True,
        "pickled": True,
        "by_reference": True,
        "dpop_is_token": True,
    }


_SUBMODULES = """
import json
import gatehouse, gatehouse.jose, gatehouse.keys
print(json.dumps([
    gatehouse.errors.TokenError.__name__,
    gatehouse.verify.Verifier.__name__,
    gatehouse.errors.token.__name__,
    gatehouse.jose.jws.parse_compact.__name__,
    gatehouse.keys.jwks.JWKS.__name__,
]))
"""


def test_submodules_are_attributes_as_when_eager() -> None:
    """``import gatehouse`` then ``gatehouse.errors.TokenError`` still works: a submodule
    is imported on first attribute access, as the eager package had bound it."""
    assert _fresh(_SUBMODULES) == [
        "TokenError",
        "Verifier",
        "gatehouse.errors.token",
        "parse_compact",
        "JWKS",
    ]
