"""The ``[[functions]]`` of ``gatehouse.toml``: what the project's Lambda functions are.

- ``spec``: ``ServiceSpec`` / ``Route`` / ``Protection``, plain values;
- ``table``: the ``[[functions]]`` table → ``ServiceSpec`` values.

A neutral home: the local gateway (``gatehouse.gateway``) and the deployment generator
(``gatehouse.deploy``) both import it, and it imports neither.
"""
