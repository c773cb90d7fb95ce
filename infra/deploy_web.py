"""Upload the web console (web/) to its bucket and write web/config.json from the deployed stacks' outputs.

Run after `scripts/cdk.sh deploy --all`: `.venv/bin/python -m infra.deploy_web` (AWS credentials and region
from the environment, as for cdk). It reads the outputs of <app>-Web, <app>-Api and <app>-Auth (absent when
an external issuer is configured: the console then takes a pasted token), uploads every file with its
content type and `no-cache` (the CDN revalidates with ETags), and invalidates the distribution.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
from pathlib import Path
from typing import Any

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
CONFIG_FILE = "config.json"
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".html": "text/html; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml"}


def console_config(outputs: dict[str, dict[str, str]], app_name: str, api_url: str | None = None) -> dict[str, Any]:
    """config.json for the deployed console: the API's URL (its custom domain when given) and how to sign in."""
    web, api = outputs[f"{app_name}-Web"], outputs[f"{app_name}-Api"]
    auth = outputs.get(f"{app_name}-Auth")
    api_url = api_url or api["ApiUrl"]
    if auth and auth.get("HostedUiDomain"):
        sign_in = {"mode": "cognito", "domain": auth["HostedUiDomain"], "client_id": auth["UserPoolClientId"],
                   "redirect_uri": web["ConsoleUrl"], "scopes": ["openid", "email", "profile"]}
    else:
        sign_in = {"mode": "token"}  # an external OIDC issuer: its tokens are pasted
    return {"api_url": api_url.rstrip("/"), "auth": sign_in}


def stack_outputs(cloudformation: Any, stack_names: list[str]) -> dict[str, dict[str, str]]:
    found = {}
    for name in stack_names:
        try:
            (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        except cloudformation.exceptions.ClientError:
            continue  # e.g. no Auth stack with an external issuer
        found[name] = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    return found


def upload(s3: Any, bucket: str, config: dict[str, Any], web_dir: Path = WEB_DIR) -> list[str]:
    """Every file under web_dir (config.json replaced by `config`); returns the keys written."""
    keys = []
    for path in sorted(p for p in web_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        key = path.relative_to(web_dir).as_posix()
        body = json.dumps(config, indent=2).encode() if key == CONFIG_FILE else path.read_bytes()
        content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, CacheControl="no-cache")
        keys.append(key)
    return keys


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-name", default="VoiceClone", help="the app_name context value (default VoiceClone)")
    parser.add_argument("--api-url", help="the API's custom domain URL (with -c domain_name=...), e.g. https://api.example.com")
    args = parser.parse_args(argv)
    names = [f"{args.app_name}-{part}" for part in ("Web", "Api", "Auth")]
    outputs = stack_outputs(boto3.client("cloudformation"), names)
    config = console_config(outputs, args.app_name, args.api_url)
    web = outputs[f"{args.app_name}-Web"]
    keys = upload(boto3.client("s3"), web["SiteBucketName"], config)
    boto3.client("cloudfront").create_invalidation(
        DistributionId=web["DistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())},
    )
    print(f"uploaded {len(keys)} files; the console is at {web['ConsoleUrl']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
