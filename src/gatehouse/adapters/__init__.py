"""Requests come in here: one-line protection for every kind of Python service.

- ``aws_lambda.require_token``: a decorator for Lambda functions behind API Gateway REST
  (payload 1.0), HTTP API (2.0), Function URLs and ALB.
- ``authorizer.BearerAuthorizer``: an API Gateway Lambda authorizer (TOKEN, REQUEST, 2.0).
- ``asgi.BearerAuthMiddleware`` and ``asgi.RequireScopes`` (FastAPI dependency).
- ``wsgi.BearerAuthMiddleware`` and ``wsgi.require_token`` (Flask views).
- ``deny_check.DenyCheck``: the optional revocation check they all accept (``deny_list=``).

Import the submodule you need: this package imports none of them, so a Lambda function
never loads the ASGI or WSGI code, and no adapter imports a web framework at import time.
"""
