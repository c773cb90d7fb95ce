"""infra.deploy_web against moto: the stacks' outputs become web/config.json, every file is uploaded with
its content type, and the console served from the bucket is the one in web/."""

from __future__ import annotations

import json
import uuid

from infra.deploy_web import WEB_DIR, console_config, stack_outputs, upload

APP = "VoiceClone"
WEB_OUTPUTS = {"ConsoleUrl": "https://d111.cloudfront.net/", "SiteBucketName": "site", "DistributionId": "E1"}


def _stack_with_outputs(cloudformation, name: str, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))


def test_the_outputs_of_the_deployed_stacks_are_read_and_a_missing_one_skipped(aws) -> None:
    cloudformation = aws.client("cloudformation")
    prefix = f"T{uuid.uuid4().hex[:8]}"
    _stack_with_outputs(cloudformation, f"{prefix}-Web", WEB_OUTPUTS)
    _stack_with_outputs(cloudformation, f"{prefix}-Api", {"ApiUrl": "https://abc.execute-api.us-east-1.amazonaws.com/"})
    outputs = stack_outputs(cloudformation, [f"{prefix}-Web", f"{prefix}-Api", f"{prefix}-Auth"])
    assert outputs[f"{prefix}-Web"] == WEB_OUTPUTS
    assert f"{prefix}-Auth" not in outputs  # an external issuer: no Auth stack
    assert console_config(outputs, prefix) == {"api_url": "https://abc.execute-api.us-east-1.amazonaws.com",
                                               "auth": {"mode": "token"}}


def test_with_cognito_the_console_signs_in_through_the_hosted_ui() -> None:
    outputs = {
        f"{APP}-Web": WEB_OUTPUTS,
        f"{APP}-Api": {"ApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/"},
        f"{APP}-Auth": {"UserPoolClientId": "client123", "HostedUiDomain": "https://voiceclone-1.auth.eu-west-1.amazoncognito.com"},
    }
    config = console_config(outputs, APP, api_url="https://api.example.com")
    assert config["api_url"] == "https://api.example.com"
    assert config["auth"] == {"mode": "cognito", "domain": "https://voiceclone-1.auth.eu-west-1.amazoncognito.com",
                              "client_id": "client123", "redirect_uri": "https://d111.cloudfront.net/",
                              "scopes": ["openid", "email", "profile"]}


def test_every_file_is_uploaded_with_its_content_type_and_the_written_config(aws) -> None:
    s3 = aws.client("s3")
    bucket = aws.create_bucket(f"site-{uuid.uuid4().hex[:10]}")
    config = {"api_url": "https://api.example.com", "auth": {"mode": "token"}}
    keys = upload(s3, bucket, config)
    assert "index.html" in keys and "js/app.js" in keys and "config.json" in keys
    assert len(keys) == sum(1 for path in WEB_DIR.rglob("*") if path.is_file())
    index = s3.get_object(Bucket=bucket, Key="index.html")
    assert index["ContentType"] == "text/html; charset=utf-8" and index["CacheControl"] == "no-cache"
    assert index["Body"].read() == (WEB_DIR / "index.html").read_bytes()
    assert s3.get_object(Bucket=bucket, Key="js/pages/speak.js")["ContentType"] == "text/javascript; charset=utf-8"
    assert json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read()) == config
