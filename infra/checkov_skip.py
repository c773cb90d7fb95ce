"""checkov suppressions, written from CDK onto the resource they concern, each with its reason.

checkov reads `Metadata: {checkov: {skip: [{id, comment}]}}` on a CloudFormation resource. `skip` puts
an entry there (an L2 construct means its default child); there is no global skip list, so a check
that nobody skipped on a resource still fails `make synth` (docs/deploy-checks.md).
"""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, IAspect
from constructs import IConstruct

METADATA_KEY = "checkov"
MIN_REASON_WORDS = 5


def skip(scope: IConstruct, reason: str, *check_ids: str) -> None:
    """Skip `check_ids` on the CloudFormation resource of `scope`, with one reason for all of them."""
    if len(reason.split()) < MIN_REASON_WORDS:
        raise ValueError(f"a checkov skip needs a reason of at least {MIN_REASON_WORDS} words: {reason!r}")
    if not check_ids:
        raise ValueError("name the checkov checks to skip")
    resource = _cfn_resource(scope)
    entries = list((resource.get_metadata(METADATA_KEY) or {}).get("skip", []))
    known = {entry["id"] for entry in entries}
    entries.extend({"id": check_id, "comment": reason} for check_id in check_ids if check_id not in known)
    resource.add_metadata(METADATA_KEY, {"skip": entries})


def _cfn_resource(scope: IConstruct) -> CfnResource:
    if isinstance(scope, CfnResource):
        return scope
    child = scope.node.default_child
    if isinstance(child, CfnResource):
        return child
    raise TypeError(f"{scope.node.path} has no CloudFormation resource to carry a checkov skip")


# CDK's own deploy-time handlers: the singleton Lambdas behind custom resources (the default security
# group lockdown, bucket notifications, auto-deleting objects). Their code and settings belong to CDK.
_CDK_HANDLER_PREFIXES = ("Custom::", "BucketNotificationsHandler")
CDK_HANDLER_REASON = (
    "CDK's deploy-time custom-resource handler: only CloudFormation calls it, a few times per deployment, "
    "and a failure fails and rolls back that deployment (nothing to dead-letter); it never serves users "
    "or events, so it cannot crowd out the account's concurrency or the database, and it calls only AWS APIs."
)
CDK_HANDLER_CHECKS = ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117")


@jsii.implements(IAspect)
class SkipCdkHandlers:
    """Skips the Lambda checks on CDK's custom-resource handlers (found at synth: CDK creates them lazily)."""

    def visit(self, node: IConstruct) -> None:
        if not (isinstance(node, CfnResource) and node.cfn_resource_type == "AWS::Lambda::Function"):
            return
        parent = node.node.scope
        if parent is not None and parent.node.id.startswith(_CDK_HANDLER_PREFIXES):
            skip(node, CDK_HANDLER_REASON, *CDK_HANDLER_CHECKS)
