"""The OpenAPI 3.1 description of the token service, written by hand.

Written, not generated: the endpoints follow RFCs (form bodies, Basic client auth,
§5.2 errors) that generators describe poorly. Tests hold it to the code: every route is
described, the document passes an OpenAPI 3.1 validator, and each request schema names
exactly the fields (and media types) its route reads, derived from the route code
(tests/service/test_openapi.py); a fuzzer drives the live app from it (test_fuzz.py).
"""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_document"]

_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": _ref("Error")}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": _ref(schema)}}}


def _body(media: tuple[str, ...], schema: str) -> dict[str, Any]:
    return {"required": True, "content": {m: {"schema": _ref(schema)} for m in media}}


_COMMON = {
    "400": _error("invalid_request (malformed body, missing field) or a grant error"),
    "413": _error("the body is larger than [http] max_body_bytes"),
    "415": _error("wrong Content-Type"),
    "503": _error("storage unavailable; see Retry-After"),
}


def _post(
    summary: str, media: tuple[str, ...], request: str, ok: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    responses = {"200": ok, **_COMMON, **extra}
    return {
        "post": {"summary": summary, "requestBody": _body(media, request), "responses": responses}
    }


def _get(summary: str, ok: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"get": {"summary": summary, "responses": {"200": ok, **extra}}}


def _object(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}

_SCHEMAS: dict[str, Any] = {
    "Error": _object(["error"], error=_STR, error_description=_STR),
    "Login": _object(
        ["username", "password"],
        username=_STR,
        password={"type": "string", "format": "password"},
        audience=_STR,
        scope={"type": "string", "description": "space-delimited (RFC 6749 §3.3)"},
        cookie={"type": "boolean", "description": "deliver the refresh token as a cookie"},
    ),
    "TokenPair": _object(
        ["access_token", "token_type", "expires_in", "scope"],
        access_token=_STR,
        token_type={
            "type": "string",
            "enum": ["Bearer", "DPoP"],
            "description": "DPoP when the request carried a DPoP proof (RFC 9449 §5.1)",
        },
        expires_in=_INT,
        refresh_token={"type": "string", "description": "absent in cookie mode"},
        scope=_STR,
        issued_token_type={"type": "string", "description": "token exchange (RFC 8693 §2.2.1)"},
    ),
    "TokenRequest": _object(
        ["grant_type"],
        grant_type={
            "type": "string",
            "enum": [
                "refresh_token",
                "client_credentials",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ],
        },
        refresh_token=_STR,
        scope=_STR,
        audience=_STR,
        resource={
            "type": "string",
            "description": "client_credentials, token exchange: the target, when audience is"
            " absent (RFC 8707 §2)",
        },
        subject_token={"type": "string", "description": "token exchange (RFC 8693 §2.1)"},
        subject_token_type={
            "type": "string",
            "description": "token exchange: urn:ietf:params:oauth:token-type:access_token or"
            " …:jwt (RFC 8693 §3)",
        },
        actor_token={"type": "string", "description": "token exchange: the caller's own token"},
        actor_token_type={"type": "string", "description": "with actor_token (RFC 8693 §2.1)"},
        requested_token_type={
            "type": "string",
            "description": "token exchange: access_token (the default), jwt, or"
            " urn:ietf:params:oauth:token-type:txn_token (a Transaction Token)",
        },
        request_context={
            "type": "string",
            "description": "Transaction Token: a JSON object, the request's context (rctx)",
        },
        request_details={
            "type": "string",
            "description": "Transaction Token: a JSON object, the request's details (tctx)",
        },
        client_id=_STR,
        client_secret={"type": "string", "description": "client_secret_post"},
    ),
    "Logout": _object([], refresh_token=_STR, all=_BOOL),
    "Revoked": _object(["revoked"], revoked=_INT),
    "TokenParam": _object(
        ["token"], token=_STR, token_type_hint=_STR, client_id=_STR, client_secret=_STR
    ),
    "Introspection": {
        "type": "object",
        "required": ["active"],
        "properties": {"active": _BOOL},
        "additionalProperties": True,
    },
    "JWKS": _object(["keys"], keys={"type": "array", "items": {"type": "object"}}),
    "Metadata": {"type": "object", "required": ["issuer"], "additionalProperties": True},
    "Health": _object(["status"], status={"type": "string", "enum": ["ok", "unavailable"]}),
    "StatusListAggregation": _object(
        ["status_lists"], status_lists={"type": "array", "items": {"type": "string"}}
    ),
}

# draft-ietf-oauth-status-list §8.1-§8.2: the list token, revalidated with ETag.
_STATUS_LIST = {
    "get": {
        "summary": "A Token Status List token (draft-ietf-oauth-status-list §5.1)",
        "parameters": [
            {"name": "list_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "If-None-Match", "in": "header", "required": False, "schema": _STR},
        ],
        "responses": {
            "200": {
                "description": "the signed list; Cache-Control max-age = its ttl; a strong ETag",
                "content": {"application/statuslist+jwt": {"schema": _STR}},
            },
            "304": {"description": "Not Modified: If-None-Match named the current ETag"},
            "404": _error("no such status list (or a retired one)"),
            "503": _error("storage unavailable; see Retry-After"),
        },
    }
}


# RFC 9449 §5, §8: a token request may carry one DPoP proof; with nonces required the
# answers carry DPoP-Nonce, and a proof problem is a 400 invalid_dpop_proof / use_dpop_nonce.
_DPOP_PROOF = {
    "name": "DPoP",
    "in": "header",
    "required": False,
    "description": "A DPoP proof JWT (RFC 9449 §4): htm POST, htu = the issuer URL + this"
    " path; binds the tokens to its key (cnf.jkt)",
    "schema": _STR,
}
_DPOP_NONCE = {
    "DPoP-Nonce": {
        "description": "the nonce to put in the next proof (RFC 9449 §8), when required",
        "schema": _STR,
    }
}


def _with_dpop(path: dict[str, Any]) -> dict[str, Any]:
    """A token endpoint's operation with the DPoP header and the DPoP-Nonce answers."""
    operation = path["post"]
    operation["parameters"] = [_DPOP_PROOF]
    responses = operation["responses"]
    responses["200"] = {**responses["200"], "headers": _DPOP_NONCE}
    responses["400"] = {
        **_error(
            "invalid_request, a grant error, invalid_dpop_proof, or use_dpop_nonce (retry"
            " with the nonce in DPoP-Nonce)"
        ),
        "headers": _DPOP_NONCE,
    }
    return path


def openapi_document(issuer: str) -> dict[str, Any]:
    """The document served at ``/openapi.json``."""
    unauthorized = _error("invalid_client (WWW-Authenticate: Basic)")
    paths: dict[str, Any] = {
        "/login": _with_dpop(
            _post(
                "First-party login (RFC 9700 §2.4: not the OAuth password grant)",
                (_JSON,),
                "Login",
                _ok("a token pair", "TokenPair"),
                **{"429": _error("too many failed logins; see Retry-After")},
            )
        ),
        "/token": _with_dpop(
            _post(
                "Token endpoint: refresh_token (RFC 6749 §6), client_credentials (§4.4) and"
                " token exchange (RFC 8693 §2)",
                (_FORM,),
                "TokenRequest",
                _ok("a token pair, or an access token", "TokenPair"),
                **{"401": unauthorized, "403": _error("CSRF check failed (cookie mode)")},
            )
        ),
        "/logout": _post(
            "End this session, or all of the account's with all=true",
            (_JSON, _FORM),
            "Logout",
            _ok("how many sessions were revoked", "Revoked"),
            **{"401": _error("the Bearer access token is not active")},
        ),
        "/revoke": _post(
            "Token revocation (RFC 7009): 200 even for unknown tokens",
            (_FORM,),
            "TokenParam",
            {"description": "revoked, or never known"},
            **{"401": unauthorized},
        ),
        "/introspect": _post(
            "Token introspection (RFC 7662), client-authenticated",
            (_FORM,),
            "TokenParam",
            _ok('{"active": false} for anything not active', "Introspection"),
            **{"401": unauthorized},
        ),
        "/.well-known/jwks.json": _get("The published signing keys", _ok("JWKS", "JWKS")),
        "/.well-known/openid-configuration": _get(
            "Server metadata", _ok("RFC 8414 metadata", "Metadata")
        ),
        "/.well-known/oauth-authorization-server": _get(
            "Server metadata (RFC 8414)", _ok("RFC 8414 metadata", "Metadata")
        ),
        "/statuslists": _get(
            "Status List Aggregation (draft-ietf-oauth-status-list §9.3)",
            _ok("the URIs of the lists served", "StatusListAggregation"),
            **{"404": _error("status lists are off")},
        ),
        "/statuslists/{list_id}": _STATUS_LIST,
        "/openapi.json": _get("This document", {"description": "OpenAPI 3.1"}),
        "/health": _get(
            "Readiness: the store answers",
            _ok("ready", "Health"),
            **{"503": _ok("storage down", "Health")},
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "gatehouse token service", "version": "1"},
        "servers": [{"url": issuer}],
        "paths": paths,
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {
                "clientBasic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }
