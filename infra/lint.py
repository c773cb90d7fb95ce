"""cfn-lint over the synthesised templates: `python -m infra.lint [cdk.out]` (exit 1 on any finding).

Every ignored rule is listed with the reason it does not apply to CDK output.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cfnlint.api import ManualArgs, lint

IGNORED_RULES = {
    # CDK adds an explicit DependsOn from each Lambda/state machine to its role's DefaultPolicy (so the
    # policy exists before the first invocation); the role is also reached through GetAtt, which cfn-lint
    # reports as redundant. The DependsOn is intentional and harmless.
    "W3005": "CDK's explicit DependsOn on roles and their default policies",
}
REGIONS = ["us-east-1", "eu-west-1"]


def lint_template(path: Path) -> list[str]:
    """The findings in one template, one line each (rule, message, location)."""
    matches = lint(path.read_text(), config=ManualArgs(regions=REGIONS, ignore_checks=list(IGNORED_RULES)))
    return [f"{match.rule.id} {match.message} ({path.name}:{match.linenumber})" for match in matches]


def lint_assembly(outdir: Path) -> list[str]:
    templates = sorted(outdir.glob("*.template.json"))
    if not templates:
        raise FileNotFoundError(f"no *.template.json in {outdir}: run `cdk synth` first")
    return [finding for template in templates for finding in lint_template(template)]


def main(argv: list[str]) -> int:
    outdir = Path(argv[0] if argv else "cdk.out")
    findings = lint_assembly(outdir)
    for finding in findings:
        print(finding)
    print(f"cfn-lint: {len(findings)} finding(s) in {outdir}", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
