"""LocalStack inside a test process: starts on free ports, serves the API, restores the environment
it changed when it stops, and a second start on the same folder finds the data of the first."""

import os

import httpx

from voiceclone.config import get_settings
from voiceclone.local.stack import LocalConfig, LocalStack


def test_in_process_stack_restarts_with_its_data_and_restores_the_environment(tmp_path):
    before = {name: os.environ.get(name) for name in ("AWS_ENDPOINT_URL", "VOICECLONE_MONGO_URI", "MOTO_PORT")}
    config = LocalConfig(data_dir=tmp_path, port=0, run_demo=False)

    with LocalStack(config) as stack:
        settings = get_settings()
        assert settings.mongo_uri_secret_arn  # handlers read the URI from Secrets Manager, as in AWS
        assert os.environ["AWS_ENDPOINT_URL"] == stack.aws.endpoint_url
        headers = {"Authorization": f"Bearer {stack.issue_token('erin')}"}
        created = httpx.post(f"{stack.url}/api/samples", headers=headers, json={"name": "n", "filename": "n.wav"})
        assert created.status_code == 201, created.text
        sample, upload = created.json()["sample"], created.json()["upload"]
        assert upload["url"].startswith(stack.aws.endpoint_url)
        uploaded = httpx.post(upload["url"], data=upload["fields"], files={"file": ("n.wav", b"not really audio")})
        assert uploaded.status_code == 204
        first_db = settings.mongo_uri

    assert {name: os.environ.get(name) for name in before} == before

    with LocalStack(config) as stack:
        assert get_settings().mongo_uri != first_db  # a new free port, the same data folder
        listed = httpx.get(f"{stack.url}/api/samples", headers=headers)
        assert listed.status_code == 200
        assert [item["sample_id"] for item in listed.json()["items"]] == [sample["sample_id"]]
        body = stack.client("s3").get_object(Bucket=get_settings().samples_bucket, Key=upload["fields"]["key"])["Body"]
        assert body.read() == b"not really audio"
