"""What a deployment consists of, as plain values the template generator reads.

The CLI fills these from ``gatehouse.toml`` (``[issuer]`` and ``[[functions]]``) and
its options; ``sam.sam_template`` turns them into a template. Keeping the two apart
lets the template be tested from values alone.
"""

from __future__ import annotations

from dataclasses import field

from gatehouse._record import record
from gatehouse.errors import ConfigurationError
from gatehouse.functions.spec import ServiceSpec
from gatehouse.issuer.config import SIGNING_ALGORITHMS

__all__ = ["LAMBDA_PYTHON_RUNTIMES", "DeploySpec"]

LAMBDA_PYTHON_RUNTIMES = ("python3.11", "python3.12", "python3.13", "python3.14")
"""The Python runtimes Lambda offers that gatehouse runs on (it needs 3.11+; python3.10
is also deprecated by Lambda since 2026-10-31). Source: AWS Lambda Developer Guide,
"Building Lambda functions with Python" (docs.aws.amazon.com/lambda/latest/dg/lambda-python.html).
"""


@record
class DeploySpec:
    """The token service and the services it protects."""

    audience: str
    signing_alg: str = "ES256"
    access_token_ttl: int = 600
    runtime: str = "python3.12"
    code_uri: str = "."
    services: tuple[ServiceSpec, ...] = field(default_factory=tuple)
    # [status_list] enabled: the token service publishes Token Status Lists, and the
    # Lambda authorizers check them (GATEHOUSE_STATUS_LISTS=required).
    status_lists: bool = False

    def __post_init__(self) -> None:
        if self.signing_alg not in SIGNING_ALGORITHMS:
            raise ConfigurationError(
                f"signing algorithm {self.signing_alg!r}: expected one of"
                f" {', '.join(SIGNING_ALGORITHMS)}"
            )
        if self.runtime not in LAMBDA_PYTHON_RUNTIMES:
            raise ConfigurationError(
                f"runtime {self.runtime!r}: expected one of {', '.join(LAMBDA_PYTHON_RUNTIMES)}"
            )
