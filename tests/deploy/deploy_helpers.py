"""The SAM transform and cfn-lint, run offline on generated templates."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

POLICIES = Path(__file__).with_name("managed_policies.json")
REGION = "eu-west-1"


def sam_transform(template: dict[str, Any]) -> dict[str, Any]:
    """What CloudFormation's SAM transform makes of ``template`` after `sam package`.

    `sam package` uploads the code and rewrites CodeUri to an S3 URI before the transform
    runs; the transform needs that form, so the test does the same rewrite.
    """
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    packaged = copy.deepcopy(template)
    packaged["Globals"]["Function"]["CodeUri"] = "s3://deploy-bucket/gatehouse.zip"
    policies = {k: v for k, v in json.loads(POLICIES.read_text()).items() if k[0] != "_"}
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=REGION))
    result: dict[str, Any] = translator.translate(
        packaged, parameter_values={}, get_managed_policy_map=lambda: policies
    )
    return json.loads(json.dumps(result))


def lint_problems(template: dict[str, Any]) -> list[str]:
    """cfn-lint errors and warnings (informational notes are not counted)."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template), config=ManualArgs(regions=[REGION]))
    return [str(m) for m in matches if m.rule.id[0] in "EW"]
