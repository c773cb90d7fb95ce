"""Points the real-time listener rule at the synth workers while one is healthy, else at the 503 Lambda.

An ALB's rule cannot test target health, and a target group without healthy targets answers with the
ALB's own 503 (HTML, no Retry-After) or, when every target is unhealthy, fails open to them. So this
function, run every minute and on each ECS task state change of the synth service, reads the synth
target group's health and sets the rule's forward action: the synth group when a target is healthy,
the `unavailable` Lambda's group otherwise. It changes the rule only when the action differs.

Environment: RULE_ARN, SYNTH_TARGET_GROUP_ARN, UNAVAILABLE_TARGET_GROUP_ARN. boto3 only (the runtime's).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)
SERVING_STATES = frozenset({"healthy"})


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return switch(boto3.client("elbv2"), os.environ["RULE_ARN"], os.environ["SYNTH_TARGET_GROUP_ARN"],
                  os.environ["UNAVAILABLE_TARGET_GROUP_ARN"])


def switch(elbv2: Any, rule_arn: str, synth_group: str, unavailable_group: str) -> dict[str, Any]:
    healthy = healthy_targets(elbv2, synth_group)
    wanted = synth_group if healthy else unavailable_group
    current = forwarded_group(elbv2, rule_arn)
    if current != wanted:
        elbv2.modify_rule(RuleArn=rule_arn, Actions=[{"Type": "forward", "TargetGroupArn": wanted}])
        logger.info("real-time rule now forwards to %s (%d healthy synth targets)", wanted, healthy)
    return {"healthy_targets": healthy, "target_group": wanted, "changed": current != wanted}


def healthy_targets(elbv2: Any, target_group: str) -> int:
    descriptions = elbv2.describe_target_health(TargetGroupArn=target_group)["TargetHealthDescriptions"]
    return sum(1 for target in descriptions if target["TargetHealth"]["State"] in SERVING_STATES)


def forwarded_group(elbv2: Any, rule_arn: str) -> str | None:
    (rule,) = elbv2.describe_rules(RuleArns=[rule_arn])["Rules"]
    for action in rule["Actions"]:
        if action["Type"] == "forward":
            if "TargetGroupArn" in action:
                return str(action["TargetGroupArn"])
            groups = action.get("ForwardConfig", {}).get("TargetGroups", [])
            return str(groups[0]["TargetGroupArn"]) if groups else None
    return None
