"""checkov over the synthesised templates: `python -m infra.checkov_scan [cdk.out]` (exit 1 on any failed
check, on a template checkov could not parse, or on a skip without its reason).

checkov lives in its own virtualenv (.venv/checkov, pinned in infra/checkov-requirements.txt, made by
scripts/install.sh): its pinned dependencies clash with the project's. It runs offline (--skip-download)
on the templates only, never on the asset folders beside them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKOV = REPO_ROOT / ".venv" / "checkov" / "bin" / "checkov"


@dataclass(frozen=True)
class ScanResult:
    passed: int
    failed: list[str]  # "CKV_AWS_115 AWS::Lambda::Function.Name (VoiceClone-Api.template.json)"
    skipped: dict[str, str]  # "CKV_AWS_117 AWS::Lambda::Function.Name" -> the reason
    parsing_errors: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.failed and not self.parsing_errors and all(self.skipped.values())


def scan(outdir: Path) -> ScanResult:
    templates = sorted(outdir.glob("*.template.json"))
    if not templates:
        raise FileNotFoundError(f"no *.template.json in {outdir}: run `cdk synth` first")
    if not CHECKOV.exists():
        raise FileNotFoundError(f"{CHECKOV} is missing: run `scripts/install.sh checkov`")
    command = [str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--compact",
               "--output", "json", *(arg for template in templates for arg in ("--file", str(template)))]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    # Exit 1 only means "failed checks"; anything else is checkov itself failing.
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"checkov exited {completed.returncode}: {completed.stderr[-2000:]}")
    return parse_report(json.loads(completed.stdout))


def parse_report(report: dict | list) -> ScanResult:
    """The counts and findings of checkov's JSON report (one dict, or a list of them per framework)."""
    passed, failed, skipped, errors = 0, [], {}, []
    for part in report if isinstance(report, list) else [report]:
        results = part.get("results", {})
        passed += part.get("summary", {}).get("passed", 0)
        failed += [f"{c['check_id']} {c['resource']} ({Path(c['file_path']).name})" for c in results.get("failed_checks", [])]
        skipped.update({f"{c['check_id']} {c['resource']}": c.get("check_result", {}).get("suppress_comment", "")
                        for c in results.get("skipped_checks", [])})
        errors += [str(error) for error in results.get("parsing_errors", [])]
    return ScanResult(passed, failed, skipped, errors)


def main(argv: list[str]) -> int:
    outdir = Path(argv[0] if argv else "cdk.out")
    result = scan(outdir)
    for finding in result.failed:
        print(f"checkov FAILED {finding}")
    for error in result.parsing_errors:
        print(f"checkov could not parse {error}")
    for check, reason in result.skipped.items():
        if not reason:
            print(f"checkov skip without a reason: {check}")
    print(f"checkov: {result.passed} passed, {len(result.failed)} failed, {len(result.skipped)} skipped with "
          f"their reasons in {outdir}", file=sys.stderr)
    return 0 if result.clean else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
