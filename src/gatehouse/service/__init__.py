"""The token service's HTTP surface and the composition root.

- ``settings``: ``gatehouse.toml`` + ``GATEHOUSE_*`` environment → frozen ``Settings``.
- ``compose``: ``build_stores``, ``build_token_service``, ``build_app``, ``IssuerKeySource``.
- ``app``: the Starlette application (``create_app``); ``lambda_entry.handler`` and
  ``lambda_bridge.LambdaBridge`` run it in AWS Lambda.

Import the submodule you need: this package imports none of them, so the CLI and the
gateway pay only for what they use.
"""
