"""The shared fixtures give real servers: MongoDB wire protocol and moto over sockets."""

import json
import time


def test_mongo_db_is_a_real_database_per_test(mongo_db):
    mongo_db.things.insert_one({"name": "a"})
    assert mongo_db.things.find_one({"name": "a"})["name"] == "a"
    assert mongo_db.client.admin.command("ping")["ok"] == 1


def test_mongo_db_starts_empty(mongo_db):
    assert mongo_db.list_collection_names() == []


def test_aws_serves_s3_and_sqs(aws):
    bucket = aws.create_bucket("fixture-check")
    aws.client("s3").put_object(Bucket=bucket, Key="k", Body=b"hello")
    assert aws.client("s3").get_object(Bucket=bucket, Key="k")["Body"].read() == b"hello"
    queue_url = aws.create_queue("fixture-check")
    aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody="m")
    messages = aws.client("sqs").receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    assert messages[0]["Body"] == "m"


def test_aws_executes_state_machines(aws):
    sfn = aws.client("stepfunctions")
    definition = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}}
    arn = sfn.create_state_machine(
        name="fixture-check",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name="exec-1")["executionArn"]
    for _ in range(100):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.05)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"ok": 1}


def test_settings_point_at_this_tests_database_and_buckets(settings, mongo_db, aws):
    from voiceclone.config import get_settings

    assert settings.db_name == mongo_db.name
    assert get_settings() is settings
    buckets = {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert {settings.samples_bucket, settings.models_bucket, settings.outputs_bucket} <= buckets
