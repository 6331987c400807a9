"""Deployment: AWS SAM templates for the token service and the services it protects.

- ``spec``: ``DeploySpec``, plain values (the functions themselves are
  ``gatehouse.functions.spec.ServiceSpec``, shared with the local gateway);
- ``sam``: ``sam_template(spec) -> dict`` and ``render_template(dict) -> str``;
- ``lambda_authorizer``: a ready-made Lambda authorizer configured from the environment.

Nothing here runs in a request path except ``lambda_authorizer``, which imports only
the verifier side of gatehouse.
"""
