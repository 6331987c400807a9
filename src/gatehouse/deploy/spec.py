"""What a deployment consists of, as plain values the template generator reads.

The CLI fills these from ``gatehouse.toml`` (``[issuer]`` and ``[[functions]]``) and
its options; ``sam.sam_template`` turns them into a template. Keeping the two apart
lets the template be tested from values alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gatehouse.functions.spec import ServiceSpec

__all__ = ["DeploySpec"]


@dataclass(frozen=True, slots=True)
class DeploySpec:
    """The token service and the services it protects."""

    audience: str
    signing_alg: str = "ES256"
    access_token_ttl: int = 600
    runtime: str = "python3.12"
    code_uri: str = "."
    services: tuple[ServiceSpec, ...] = field(default_factory=tuple)
