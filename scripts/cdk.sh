#!/usr/bin/env bash
# Runs the project's own AWS CDK CLI (npm `aws-cdk`, pinned in infra/package.json, installed into
# infra/node_modules on first use) with the project's Python: `scripts/cdk.sh synth`,
# `scripts/cdk.sh deploy --all`, `scripts/cdk.sh destroy --all`...
# `synth` needs no AWS access: it writes cdk.out/ (cdk-nag checks included), lints it with cfn-lint and
# scans it with checkov (docs/deploy-checks.md); any finding fails it.
set -euo pipefail
cd "$(dirname "$0")/.."

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export CDK_DISABLE_CLI_TELEMETRY=true
# cdk.json runs `python infra/app.py`: make that the project's interpreter.
export PATH="$PWD/.venv/bin:$PATH"

CDK=infra/node_modules/.bin/cdk
if [ ! -x "$CDK" ]; then
  npm ci --prefix infra --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "synth" ]; then
  shift
  # --no-notices: the notices feed is fetched from AWS; synth stays offline.
  "$CDK" synth --quiet --no-notices "$@"
  python -m infra.lint cdk.out
  scripts/install.sh checkov  # a no-op once .venv/checkov matches infra/checkov-requirements.txt
  python -m infra.checkov_scan cdk.out
else
  exec "$CDK" "$@"
fi
