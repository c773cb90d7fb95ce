"""Workflows template: the state machines from voiceclone.workflows with every placeholder substituted,
the GPU stages as SQS task-token integrations, Lambda invokes limited to their functions, logging and
tracing on, queues with dead-letter queues, the sweeper's schedule."""

from __future__ import annotations

import json
import re

import pytest

from tests.infra.conftest import Synthesized, actions_of, flatten, policy_statements, resources_of
from voiceclone.workflows import definitions as asl

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def _state_machine(platform: Synthesized, name: str) -> tuple[str, dict]:
    (found,) = [
        (key, value["Properties"])
        for key, value in platform.resources("workflows", "AWS::StepFunctions::StateMachine").items()
        if key.startswith(f"{name}StateMachine")
    ]
    return found


def _deployed_definition(properties: dict) -> dict:
    """The definition as CloudFormation will submit it: placeholders replaced by their (flattened) values."""
    # Escaped: a flattened value holds quotes and lands inside a JSON string.
    substitutions = {key: json.dumps(flatten(value))[1:-1] for key, value in properties["DefinitionSubstitutions"].items()}
    return json.loads(PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], properties["DefinitionString"]))


def _tasks(definition: dict) -> dict[str, dict]:
    tasks = {}
    for name, state in definition["States"].items():
        if state["Type"] == "Task":
            tasks[name] = state
        if state["Type"] == "Map":
            tasks.update(_tasks(state["ItemProcessor"]))
    return tasks


@pytest.mark.parametrize(("name", "source"), [("Training", asl.training_definition()), ("Tts", asl.tts_definition())])
def test_definitions_come_from_voiceclone_workflows_with_every_placeholder_filled(
    platform: Synthesized, name: str, source: dict
) -> None:
    _, properties = _state_machine(platform, name)
    used = set(PLACEHOLDER.findall(properties["DefinitionString"]))
    assert used == asl.placeholders(source)
    assert used == set(properties["DefinitionSubstitutions"]), "each placeholder substituted, none extra"
    deployed = _deployed_definition(properties)
    assert "${" not in json.dumps(deployed)
    assert set(deployed["States"]) == set(source["States"])


@pytest.mark.parametrize(
    ("name", "gpu_state", "queue", "functions"),
    [
        ("Training", "Train", "TrainQueue", {"MarkProcessing", "EnhanceSample", "RemoteClone", "RegisterVoice", "FailJob"}),
        ("Tts", "Synthesize", "SynthQueue", {"MarkProcessing", "RemoteSynthesize", "FinalizeTts", "FailJob"}),
    ],
)
def test_gpu_stages_wait_for_a_task_token_and_the_rest_invoke_lambdas(
    platform: Synthesized, name: str, gpu_state: str, queue: str, functions: set[str]
) -> None:
    _, properties = _state_machine(platform, name)
    tasks = _tasks(_deployed_definition(properties))
    gpu = tasks.pop(gpu_state)
    assert gpu["Resource"] == "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    assert gpu["Parameters"]["MessageBody"]["task_token.$"] == "$$.Task.Token"
    assert f'"Ref": "{queue}' in gpu["Parameters"]["QueueUrl"]
    assert gpu["HeartbeatSeconds"] and gpu["TimeoutSeconds"]
    invoked = {re.search(r'"Fn::GetAtt": \["(\w+?)Function[0-9A-F]{8}"', task["Resource"]).group(1) for task in tasks.values()}
    assert invoked == functions


@pytest.mark.parametrize("name", ["Training", "Tts"])
def test_state_machine_roles_invoke_only_their_functions_and_send_only_to_their_queue(
    platform: Synthesized, name: str
) -> None:
    _, properties = _state_machine(platform, name)
    role_id = properties["RoleArn"]["Fn::GetAtt"][0]
    statements = policy_statements(platform.template("workflows"), role_id)
    invoke = [s for s in statements if "lambda:InvokeFunction" in actions_of(s)]
    assert invoke and all(not resource.endswith(":*") for s in invoke for resource in resources_of(s))
    task_resources = {task["Resource"] for task in _tasks(_deployed_definition(properties)).values()}
    for statement in invoke:
        for resource in resources_of(statement):
            assert resource in task_resources, f"{resource} invoked by no state of {name}"
    sends = [s for s in statements if "sqs:SendMessage" in actions_of(s)]
    queue = "TrainQueue" if name == "Training" else "SynthQueue"
    assert sends and all(queue in resource for s in sends for resource in resources_of(s))


@pytest.mark.parametrize(("name", "gpu_state"), [("Training", "Train"), ("Tts", "Synthesize")])
def test_a_job_waits_for_a_cold_gpu_start_before_its_first_heartbeat(
    platform: Synthesized, name: str, gpu_state: str
) -> None:
    """Both workers default to zero tasks: the heartbeat timeout covers a host boot and image pull."""
    _, properties = _state_machine(platform, name)
    gpu = _tasks(_deployed_definition(properties))[gpu_state]
    assert gpu["HeartbeatSeconds"] >= platform.platform.config.gpu_cold_start_s
    deadline = {"Training": platform.platform.config.training_job_deadline_s,
                "Tts": platform.platform.config.tts_job_deadline_s}[name]
    assert gpu["TimeoutSeconds"] == deadline > gpu["HeartbeatSeconds"]


@pytest.mark.parametrize("name", ["Training", "Tts"])
def test_executions_are_logged_and_traced(platform: Synthesized, name: str) -> None:
    _, properties = _state_machine(platform, name)
    assert properties["TracingConfiguration"] == {"Enabled": True}
    assert properties["LoggingConfiguration"]["Level"] == "ALL"
    assert properties["LoggingConfiguration"]["IncludeExecutionData"] is False


def test_both_job_queues_park_poison_messages_in_a_dead_letter_queue(platform: Synthesized) -> None:
    queues = platform.resources("workflows", "AWS::SQS::Queue")
    main = {key: value for key, value in queues.items()
            if key.startswith(("TrainQueue", "SynthQueue")) and "DeadLetters" not in key}
    assert len(main) == 2
    for key, queue in main.items():
        redrive = queue["Properties"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == 3
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in queues, key
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_audio_functions_are_container_images_and_the_rest_light_zips(platform: Synthesized) -> None:
    functions = platform.resources("workflows", "AWS::Lambda::Function")
    images = {key.split("Function")[0] for key, value in functions.items() if value["Properties"].get("PackageType") == "Image"}
    # they decode audio (numpy, soundfile); a batch's remote items go through the remote step's code
    assert images == {"AnalyzeSample", "EnhanceSample", "RemoteSynthesize", "BatchRemoteItem"}
    for key, value in functions.items():
        if key.split("Function")[0] in images:
            command = value["Properties"]["ImageConfig"]["Command"]
            assert command == [f"functions.orchestration.{_snake(key.split('Function')[0])}.lambda_handler"]


def test_the_sweeper_runs_on_a_schedule(platform: Synthesized) -> None:
    (rule,) = platform.resources("workflows", "AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    assert "Sweeper" in flatten(rule["Properties"]["Targets"][0]["Arn"])


def _snake(pascal: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", pascal).lower()


def _object_grants(platform: Synthesized, function: str) -> set[tuple[str, str, str]]:
    """(action, bucket, prefix) for the S3 object and listing grants of one orchestration function."""
    found = set()
    for statement in policy_statements(platform.template("workflows"), f"{function}FunctionServiceRole"):
        for action in actions_of(statement):
            if not action.startswith("s3:"):
                continue
            for resource in resources_of(statement):
                bucket = next(b for b in ("Samples", "Models", "Outputs") if f"FnGetAtt{b}" in resource)
                if action == "s3:ListBucket":
                    (prefix,) = statement["Condition"]["StringLike"]["s3:prefix"]
                else:
                    prefix = resource.rsplit("/", 2)[-2] + "/*"
                found.add((action, bucket, prefix))
    return found


LEFTOVERS = {
    ("s3:DeleteObject", "Samples", "prepared/*"), ("s3:ListBucket", "Samples", "prepared/*"),
    ("s3:DeleteObject", "Models", "checkpoints/*"), ("s3:ListBucket", "Models", "checkpoints/*"),
}
PARTIAL_VOICE = {("s3:DeleteObject", "Models", "voices/*"), ("s3:ListBucket", "Models", "voices/*")}


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("AnalyzeSample", {("s3:GetObject", "Samples", "raw/*"), ("s3:ListBucket", "Samples", "raw/*")}),
        ("EnhanceSample", {("s3:GetObject", "Samples", "raw/*"), ("s3:ListBucket", "Samples", "raw/*"),
                           ("s3:PutObject", "Samples", "prepared/*"), ("s3:AbortMultipartUpload", "Samples", "prepared/*")}),
        ("MarkProcessing", set()),
        ("RegisterVoice", LEFTOVERS),
        ("FinalizeTts", set()),
        ("FailJob", LEFTOVERS | PARTIAL_VOICE | {("s3:DeleteObject", "Outputs", "tts/*")}),
        ("RemoteSynthesize", {("s3:PutObject", "Outputs", "tts/*"), ("s3:AbortMultipartUpload", "Outputs", "tts/*")}),
        ("Cleanup", set()),
        # the sweeper also refreshes engine availability: which base weights are in the models bucket
        # and purges old batches' results
        ("Sweeper", LEFTOVERS | PARTIAL_VOICE | {("s3:DeleteObject", "Outputs", "tts/*"), ("s3:ListBucket", "Models", "base/*"),
                     ("s3:ListBucket", "Outputs", "batches/*"), ("s3:DeleteObject", "Outputs", "batches/*")}),
    ],
)
def test_orchestration_functions_reach_only_the_objects_their_code_touches(
    platform: Synthesized, function: str, expected: set
) -> None:
    assert _object_grants(platform, function) == expected
    statements = policy_statements(platform.template("workflows"), f"{function}FunctionServiceRole")
    services = {action.split(":")[0] for statement in statements for action in actions_of(statement)}
    allowed = {"s3", "xray", "secretsmanager"} | ({"states"} if function == "Sweeper" else set())
    asynchronous = function in {"AnalyzeSample", "Cleanup", "Sweeper"}
    assert services <= allowed | ({"sqs"} if asynchronous else set()), function
    # An asynchronously invoked function may only hand its failed events to its own dead-letter queue.
    for statement in statements:
        if any(action.startswith("sqs:") for action in actions_of(statement)):
            assert actions_of(statement) == ["sqs:SendMessage"]
            assert all(f"{function}FailedEvents" in resource for resource in resources_of(statement))
