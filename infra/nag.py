"""cdk-nag (v3) wiring: the AwsSolutions pack and acknowledgements that always carry a reason.

cdk-nag v3 reports each IAM wildcard as its own finding (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/raw/*]`)
and has no prefix matching. `acknowledge_wildcards` therefore computes the findings of the policies
under a construct the way cdk-nag does and acknowledges only those matching the given patterns:
an unexpected wildcard still fails the check.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import Construct, IConstruct, IValidation


def enable_checks(app: Construct) -> None:
    """Run AwsSolutionsChecks on every synth; a finding nobody acknowledged fails the synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge rules on a construct (and everything under it) with one reason."""
    if not reason.strip():
        raise ValueError("every cdk-nag acknowledgement needs a reason")
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id in rule_ids))


def acknowledge_wildcards(scope: IConstruct, reason: str, patterns: Iterable[str]) -> None:
    """Acknowledge the IAM5 wildcard findings under `scope` that match `patterns` (fnmatch syntax).

    Patterns name findings as cdk-nag prints them, e.g. "Action::s3:GetObject*" or "Resource::*/raw/*".
    """
    if not reason.strip():
        raise ValueError("every cdk-nag acknowledgement needs a reason")
    scope.node.add_validation(_WildcardAcknowledger(scope, reason, tuple(patterns)))


@jsii.implements(IValidation)
class _WildcardAcknowledger:
    """Runs as a construct validation: after cross-stack references are resolved (an aspect would see
    them unresolved and name the findings differently) and before cdk-nag reads the acknowledgements."""

    def __init__(self, scope: IConstruct, reason: str, patterns: tuple[str, ...]) -> None:
        self._scope = scope
        self._reason = reason
        self._patterns = patterns

    def validate(self) -> list[str]:
        for node in self._scope.node.find_all():
            for finding in wildcard_findings(node):
                if any(fnmatch.fnmatchcase(finding, pattern) for pattern in self._patterns):
                    acknowledge(node, self._reason, f"AwsSolutions-IAM5[{finding}]")
        return []


def wildcard_findings(node: IConstruct) -> list[str]:
    """The IAM5 findings cdk-nag reports for one CfnPolicy/CfnRole (a port of its analyzePolicy)."""
    stack = Stack.of(node)
    documents: list[Any] = []
    if isinstance(node, iam.CfnPolicy | iam.CfnManagedPolicy):
        documents.append(stack.resolve(node.policy_document))
    elif isinstance(node, iam.CfnRole):
        for policy in stack.resolve(node.policies) or []:
            documents.append(stack.resolve(policy)["PolicyDocument"])
    findings: list[str] = []
    for document in documents:
        for statement in document.get("Statement", []):
            if statement.get("Effect") != "Allow":
                continue
            for action in _as_list(statement.get("Action")):
                if "*" in action:
                    findings.append(f"Action::{action}")
            for resource in _as_list(statement.get("Resource")):
                flat = _flatten_reference(resource)
                if "*" in flat:
                    findings.append(f"Resource::{flat}")
    return list(dict.fromkeys(findings))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _flatten_reference(node: Any) -> str:
    # Same rendering as cdk-nag's flattenCfnReference.
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(_flatten_reference(item) for item in items)
        if "Fn::Sub" in node:
            return _flatten_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten_reference(resource)}.{_flatten_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return _flatten_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{_flatten_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
