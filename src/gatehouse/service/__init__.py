"""The token service's HTTP surface and the composition root.

- ``settings``: ``gatehouse.toml`` + ``GATEHOUSE_*`` environment → frozen ``Settings``.
- ``compose``: ``build_stores``, ``build_token_service``, ``build_app``, ``IssuerKeySource``.
- ``routes``: the route table; the handlers (``routes_*``) take and give ``web``'s
  framework-neutral request and response.
- ``app``: the Starlette application over them (``create_app``). In AWS Lambda,
  ``lambda_entry.handler`` hands events straight to the handlers (``lambda_dispatch``) and
  leaves the rest to the app behind ``lambda_bridge.LambdaBridge``.

Import the submodule you need: this package imports none of them, so the CLI and the
gateway pay only for what they use.
"""
