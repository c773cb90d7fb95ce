"""The voiceclone CDK app: `cdk synth` / `cdk deploy --all` (cdk.json runs `python infra/app.py`).

Stacks: Web, Storage, Auth, Workflows, Api, Compute, Monitoring (see README.md, "Deploy to AWS"). Every synth runs the
cdk-nag AwsSolutions checks unless CDK_VALIDATION=false (the template unit tests set it; `make synth`
and CI keep it on), and writes the checkov skips into the templates either way (docs/deploy-checks.md).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
# Run as a script (cdk.json), Python puts infra/ first on sys.path, where infra/constructs would shadow the
# `constructs` library; the repository root is what `import infra` needs.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != REPO_ROOT / "infra"]
sys.path.insert(0, str(REPO_ROOT))

from aws_cdk import App, Aspects, Tags

from infra import checkov_skip, nag
from infra.config import InfraConfig
from infra.stacks.api import ApiStack
from infra.stacks.auth import AuthStack, JwtTrust
from infra.stacks.compute import ComputeStack
from infra.stacks.monitoring import MonitoringStack
from infra.stacks.storage import StorageStack
from infra.stacks.web import WebStack
from infra.stacks.workflows import WorkflowsStack


@dataclass(frozen=True)
class Platform:
    app: App
    config: InfraConfig
    storage: StorageStack
    auth: AuthStack | None  # None when an existing issuer is configured
    workflows: WorkflowsStack
    api: ApiStack
    compute: ComputeStack
    monitoring: MonitoringStack
    web: WebStack


def validation_enabled() -> bool:
    return os.environ.get("CDK_VALIDATION", "true").lower() not in {"false", "0", "no"}


def build(context: dict[str, Any] | None = None, outdir: str | None = None, validate: bool | None = None) -> Platform:
    """Create the app and its stacks (context as with `-c key=value`, over cdk.json's feature flags)."""
    # The CLI passes cdk.json's context itself; tests build the app directly and get the same flags here.
    defaults = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    app = App(context={**defaults, **(context or {})}, outdir=outdir)
    config = InfraConfig.from_context(app)
    name = config.app_name
    web = WebStack(app, f"{name}-Web", config=config, description="voiceclone: the web console (S3 + CloudFront)")
    storage = StorageStack(app, f"{name}-Storage", config=config, console_origin=web.origin,
                           description="voiceclone: samples, models and outputs buckets")
    if config.uses_cognito:
        auth = AuthStack(app, f"{name}-Auth", config=config, console_url=f"{web.origin}/",
                         description="voiceclone: API users (Cognito)")
        jwt = auth.trust
    else:
        auth, jwt = None, JwtTrust(issuer=config.jwt_issuer, audience=config.jwt_audience)
    workflows = WorkflowsStack(app, f"{name}-Workflows", config=config, storage=storage,
                               description="voiceclone: state machines, orchestration Lambdas, GPU job queues")
    api = ApiStack(app, f"{name}-Api", config=config, storage=storage, jwt=jwt, workflows=workflows,
                   console_origin=web.origin, description="voiceclone: HTTP API and its Lambdas")
    compute = ComputeStack(app, f"{name}-Compute", config=config, storage=storage, workflows=workflows, jwt=jwt,
                           description="voiceclone: ECS GPU capacity and the trainer/synth workers")
    monitoring = MonitoringStack(app, f"{name}-Monitoring", config=config, api=api, workflows=workflows,
                                 compute=compute, key=storage.key, description="voiceclone: alarms and dashboard")
    Tags.of(app).add("project", "voiceclone")
    Aspects.of(app).add(checkov_skip.SkipCdkHandlers())
    if validation_enabled() if validate is None else validate:
        nag.enable_checks(app)
    return Platform(app, config, storage, auth, workflows, api, compute, monitoring, web)


if __name__ == "__main__":
    build().app.synth()
