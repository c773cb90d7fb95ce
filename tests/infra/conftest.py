"""One CDK synthesis shared by the template tests (validation off: CDK_VALIDATION=false, no bundling).

`platform` is the default configuration; a module that needs other context values calls `synthesize`
once itself. Helpers read the synthesised templates as plain dicts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk.assertions import Template

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass(frozen=True)
class Synthesized:
    platform: Any  # infra.app.Platform
    templates: dict[str, Template]

    def template(self, stack: str) -> Template:
        return self.templates[stack]

    def resources(self, stack: str, resource_type: str) -> dict[str, dict]:
        return self.templates[stack].find_resources(resource_type)

    def all_resources(self, resource_type: str) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for stack, template in self.templates.items():
            found.update({f"{stack}/{key}": value for key, value in template.find_resources(resource_type).items()})
        return found


def synthesize(context: dict[str, Any] | None = None) -> Synthesized:
    """Build the app with bundling off and validation (cdk-nag) off, and synthesise it once."""
    from infra.app import build

    previous = os.environ.get("CDK_VALIDATION")
    os.environ["CDK_VALIDATION"] = "false"
    try:
        platform = build({"bundle_lambdas": False, **(context or {})})
    finally:
        if previous is None:
            os.environ.pop("CDK_VALIDATION")
        else:
            os.environ["CDK_VALIDATION"] = previous
    stacks = {
        "storage": platform.storage, "auth": platform.auth, "workflows": platform.workflows,
        "api": platform.api, "compute": platform.compute, "monitoring": platform.monitoring,
    }
    stacks = {name: stack for name, stack in stacks.items() if stack is not None}
    return Synthesized(platform, {name: Template.from_stack(stack) for name, stack in stacks.items()})


@pytest.fixture(scope="session")
def platform() -> Iterator[Synthesized]:
    yield synthesize()


def policy_statements(template: Template, role_logical_id_prefix: str) -> list[dict]:
    """Every statement of the policies attached to roles whose logical id starts with the prefix."""
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        roles = policy["Properties"].get("Roles", [])
        if any(role.get("Ref", "").startswith(role_logical_id_prefix) for role in roles):
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def flatten(value: Any) -> str:
    """A CloudFormation value as text: intrinsic functions become <...> markers (for substring checks)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(flatten(item) for item in value)
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, parts = value["Fn::Join"]
            return delimiter.join(flatten(part) for part in parts)
        return f"<{json.dumps(value, sort_keys=True)}>"
    return str(value)


def actions_of(statement: dict) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]


def resources_of(statement: dict) -> list[str]:
    resources = statement["Resource"]
    return [flatten(resource) for resource in (resources if isinstance(resources, list) else [resources])]
