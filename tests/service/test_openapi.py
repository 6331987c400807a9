"""/openapi.json is valid OpenAPI 3.1 and says exactly what each route reads.

The request fields are not a hand list: they are derived from the route code itself. Each
endpoint in ``gatehouse.service.app.ROUTES`` is parsed (``ast``) together with every
``gatehouse.service`` helper it calls, collecting the body fields it reads through the
``gatehouse.service.forms`` readers (``required_str``/``optional_str``/``optional_bool``) or
``params.get``/``params[...]``, and the media types ``read_params(accept=...)`` takes. Any
other use of the parsed ``params`` fails the test, so a new way of reading a field cannot
slip past the document unnoticed.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from gatehouse.service.app import ROUTES
from gatehouse.service.openapi import openapi_document

READERS = {"optional_str", "required_str", "optional_bool"}
PARAMS = "params"  # the name every route gives the parsed body (forms.read_params)


@dataclass
class Reads:
    """What a route takes from its body."""

    fields: set[str] = field(default_factory=set)
    required: set[str] = field(default_factory=set)
    media: set[str] = field(default_factory=set)
    strays: list[str] = field(default_factory=list)  # uses of params we cannot account for


def _is_params(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == PARAMS


def _constant(node: ast.AST, where: str, reads: Reads) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    reads.strays.append(f"{where}: a field name that is not a literal")
    return None


def _service_function(fn: Callable[..., Any], name: str) -> Callable[..., Any] | None:
    """The gatehouse.service function ``name`` means inside ``fn`` (not the readers)."""
    target = fn.__globals__.get(name)
    module = getattr(target, "__module__", "") or ""
    if inspect.isfunction(target) and module.startswith("gatehouse.service."):
        return None if module == "gatehouse.service.forms" else target
    return None


def _collect(fn: Callable[..., Any], reads: Reads, seen: set[Callable[..., Any]]) -> None:
    fn = inspect.unwrap(fn)
    if fn in seen:
        return
    seen.add(fn)
    where = f"{fn.__module__}.{fn.__qualname__}"
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    accounted: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else None
            if name in READERS and len(node.args) >= 2 and _is_params(node.args[0]):
                accounted.add(id(node.args[0]))
                got = _constant(node.args[1], where, reads)
                if got is not None:
                    reads.fields.add(got)
                    if name == "required_str":
                        reads.required.add(got)
            elif name == "read_params":
                for keyword in node.keywords:
                    if keyword.arg == "accept" and isinstance(keyword.value, ast.Tuple):
                        for element in keyword.value.elts:
                            assert isinstance(element, ast.Name), where
                            reads.media.add(fn.__globals__[element.id])
            elif (
                isinstance(callee, ast.Attribute)
                and callee.attr == "get"
                and _is_params(callee.value)
            ):
                accounted.add(id(callee.value))
                if node.args:
                    got = _constant(node.args[0], where, reads)
                    if got is not None:
                        reads.fields.add(got)
            elif name is not None and (helper := _service_function(fn, name)) is not None:
                names = list(inspect.signature(inspect.unwrap(helper)).parameters)
                for position, argument in enumerate(node.args):
                    # the helper must call it params too, or its reads would go unseen
                    if _is_params(argument) and names[position : position + 1] == [PARAMS]:
                        accounted.add(id(argument))
                _collect(helper, reads, seen)
        elif isinstance(node, ast.Subscript) and _is_params(node.value):
            accounted.add(id(node.value))
            got = _constant(node.slice, where, reads)
            if got is not None:
                reads.fields.add(got)
    for node in ast.walk(tree):
        if _is_params(node) and isinstance(node.ctx, ast.Load) and id(node) not in accounted:
            reads.strays.append(f"{where} line {node.lineno}: params used in a way not read here")


def route_reads(endpoint: Callable[..., Any]) -> Reads:
    """The body fields and media types one endpoint (and its helpers) read."""
    reads = Reads()
    _collect(endpoint, reads, set())
    return reads


DOC = openapi_document("https://auth.example.com")
OPERATIONS = [
    pytest.param(route.path, method.lower(), route.endpoint, id=f"{method} {route.path}")
    for route in ROUTES
    for method in sorted(route.methods or ())
    if method != "HEAD"
]


def _request_schema(operation: dict[str, Any]) -> tuple[set[str], dict[str, Any] | None]:
    """The media types of the request body and the one schema they share (None: no body)."""
    body = operation.get("requestBody")
    if body is None:
        return set(), None
    refs = {media: content["schema"]["$ref"] for media, content in body["content"].items()}
    assert len(set(refs.values())) == 1, f"media types describe different bodies: {refs}"
    name = next(iter(refs.values())).rsplit("/", 1)[-1]
    schema: dict[str, Any] = DOC["components"]["schemas"][name]
    return set(refs), schema


def test_served_document_is_valid_openapi_3_1(http: httpx.Client) -> None:
    """What /openapi.json serves passes the OpenAPI 3.1 validator (openapi-spec-validator)."""
    served = http.get("/openapi.json").json()
    OpenAPIV31SpecValidator(served).validate()
    assert served["openapi"].startswith("3.1.")


@pytest.mark.parametrize(("path", "method", "endpoint"), OPERATIONS)
def test_request_fields_are_what_the_route_reads(
    path: str, method: str, endpoint: Callable[..., Any]
) -> None:
    """Each operation's request schema names exactly the body fields its route code reads,
    marks as required every field the route requires, and lists its accepted media types."""
    reads = route_reads(endpoint)
    assert reads.strays == []
    media, schema = _request_schema(DOC["paths"][path][method])
    assert media == reads.media
    if schema is None:
        assert reads.fields == set(), f"{path} reads {reads.fields} but documents no body"
        return
    assert set(schema["properties"]) == reads.fields
    assert reads.required <= set(schema["required"]) <= reads.fields


def test_the_derivation_follows_helpers_and_refuses_strays() -> None:
    """The reader finds fields read in called helpers (client_auth) and flags any other use
    of params: it cannot quietly stop seeing what a route reads."""
    from gatehouse.service.routes_revocation import introspect

    assert {"client_id", "client_secret", "token"} <= route_reads(introspect).fields

    def sneaky(params: dict[str, Any]) -> object:
        return [params.items(), params.get("ok")]

    reads = route_reads(sneaky)
    assert reads.fields == {"ok"}
    assert len(reads.strays) == 1
