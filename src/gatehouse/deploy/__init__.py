"""Deployment: AWS SAM templates for the token service and the services it protects.

- ``spec``: ``DeploySpec``, plain values (the functions themselves are
  ``gatehouse.functions.spec.ServiceSpec``, shared with the local gateway);
- ``sam``: ``sam_template(spec) -> dict`` and ``render_template(dict) -> str``;
- ``protection``: ``override_protection`` (``--authorizer``: refuses to weaken a function)
  and ``route_guards`` (what guards each route of a template);
- ``package``: ``stage_code`` (the CodeUri folder: requirements.txt + the handlers' packages);
- ``lambda_authorizer``: a ready-made Lambda authorizer configured from the environment.

Nothing here runs in a request path except ``lambda_authorizer``, which imports only
the verifier side of gatehouse.
"""
