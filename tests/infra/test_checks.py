"""The whole app with validation on, as `make synth` runs it: cdk-nag AwsSolutionsChecks leave no
unacknowledged finding (synthesis fails otherwise), every acknowledgement carries a reason, and
neither cfn-lint nor checkov (from .venv/checkov, made by scripts/install.sh) finds anything in the
synthesised templates."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from infra import checkov_skip, nag
from infra.checkov_scan import scan
from infra.constructs import grants
from infra.lint import IGNORED_RULES, lint_assembly

# Every non-default switch at once: retained data off, no NAT, an external issuer (no Cognito), a custom
# domain, a warm synth worker, alarm e-mails, a small MongoDB tier (reserved concurrency scaled down), the
# real-time endpoint without its WAF (the default synthesis has no endpoint: `make synth` checks it with one).
ALL_OPTIONS = {
    "mongo_max_connections": 500,
    "destroy_data_on_delete": "true", "nat_gateways": 0, "jwt_issuer": "https://login.example.com/",
    "jwt_audience": "voiceclone", "domain_name": "api.example.com",
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/example", "synth_min_tasks": 1,
    "alarm_email": "ops@example.com",
    "realtime_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/realtime", "realtime_waf": "false",
}


def _synth_with_checks(outdir: Path, context: dict):
    from infra.app import build

    os.environ.pop("CDK_VALIDATION", None)
    platform = build({"bundle_lambdas": False, **context}, outdir=str(outdir))
    try:
        platform.app.synth()
    except RuntimeError as error:
        report = outdir / "validation-report.json"
        findings = _violations(report) if report.exists() else []
        pytest.fail(f"cdk-nag or CDK validation failed: {error}\n" + "\n".join(findings[:40]))
    return platform, outdir


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory):
    return _synth_with_checks(tmp_path_factory.mktemp("cdk.out"), {})


def _violations(report: Path) -> list[str]:
    data = json.loads(report.read_text())
    return [
        f"{violation['ruleName']}: {[c['constructPath'] for c in violation['violatingConstructs']]}"
        for plugin in data["pluginReports"]
        for violation in plugin["violations"]
    ]


def test_cdk_nag_reports_no_unacknowledged_finding(assembly) -> None:
    _, outdir = assembly
    assert _violations(outdir / "validation-report.json") == []
    assert sorted(path.name for path in outdir.glob("*.template.json")) == [
        f"VoiceClone-{name}.template.json" for name in ("Api", "Auth", "Compute", "Monitoring", "Storage", "Web", "Workflows")
    ]


def _control_app(tmp_path: Path, wildcard_patterns: list[str]) -> tuple[App, Path]:
    """A small app with the same checks: a bucket without TLS enforcement, a role with prefix wildcards."""
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Control")
    bucket = s3.Bucket(stack, "Bucket")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grants.grant_objects(bucket, role, "raw/", *grants.READ)
    for prefix in ("x/*", "y/*"):
        role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects(prefix)]))
    nag.acknowledge_wildcards(role, "control: acknowledged with a reason", wildcard_patterns)
    nag.enable_checks(app)
    return app, tmp_path / "validation-report.json"


def test_the_checks_fail_the_synth_on_findings_and_acknowledge_only_matching_wildcards(tmp_path: Path) -> None:
    app, report = _control_app(tmp_path, ["Resource::*/x/*"])
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    findings = "\n".join(_violations(report))
    assert "AwsSolutions-S10" in findings  # no TLS-only policy on the control bucket
    assert "AwsSolutions-S1:" in findings  # no access logs
    assert "/x/*" not in findings  # acknowledged by the pattern
    assert "/raw/*" not in findings  # acknowledged by grant_objects itself
    assert "AwsSolutions-IAM5[Resource::<Bucket83908E77.Arn>/y/*]" in findings  # matched by no pattern


def test_every_acknowledgement_carries_a_reason(assembly) -> None:
    platform, _ = assembly
    acknowledged = 0
    for construct in platform.app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for rule, reason in entry.data.items():
                    acknowledged += 1
                    assert isinstance(reason, str) and len(reason.split()) >= 5, f"{construct.node.path}: {rule}"
    assert acknowledged > 0


def test_cfn_lint_finds_nothing(assembly) -> None:
    _, outdir = assembly
    assert lint_assembly(outdir) == []
    assert all(reason for reason in IGNORED_RULES.values())


def test_checkov_finds_nothing_and_every_skip_has_its_reason(assembly) -> None:
    _, outdir = assembly
    result = scan(outdir)
    assert result.failed == [] and result.parsing_errors == []
    assert result.passed > 400 and len(result.skipped) > 40
    assert all(len(reason.split()) >= checkov_skip.MIN_REASON_WORDS for reason in result.skipped.values())


def test_checkov_fails_an_unchecked_resource_and_honours_an_inline_skip(tmp_path: Path) -> None:
    """The control: the same scan on a Lambda without reserved concurrency, DLQ or VPC."""
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Control")
    function = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_11, handler="index.handler",
                                code=lambda_.Code.from_inline("def handler(event, context): return None"))
    checkov_skip.skip(function, "control: skipped here with a reason", "CKV_AWS_117")
    app.synth()
    result = scan(tmp_path)
    failed = {finding.split()[0] for finding in result.failed}
    assert {"CKV_AWS_115", "CKV_AWS_116"} <= failed and "CKV_AWS_117" not in failed
    logical_id = stack.get_logical_id(function.node.default_child)
    assert result.skipped == {f"CKV_AWS_117 AWS::Lambda::Function.{logical_id}": "control: skipped here with a reason"}
    assert not result.clean


def test_every_documented_option_stays_clean(tmp_path: Path) -> None:
    _, outdir = _synth_with_checks(tmp_path, ALL_OPTIONS)
    assert _violations(outdir / "validation-report.json") == []
    assert not (outdir / "VoiceClone-Auth.template.json").exists()
    assert lint_assembly(outdir) == []
    result = scan(outdir)
    assert result.failed == [] and result.parsing_errors == []
