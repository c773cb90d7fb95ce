"""Monitoring template: alarms on dead letters, failed executions, API 5xx and function/worker errors,
all notifying one topic, and a dashboard."""

from __future__ import annotations

from tests.infra.conftest import Synthesized, flatten, synthesize


def _alarms(platform: Synthesized) -> dict[str, dict]:
    return {key: value["Properties"] for key, value in platform.resources("monitoring", "AWS::CloudWatch::Alarm").items()}


def _metric(alarm: dict) -> tuple[str, str]:
    return alarm.get("Namespace", ""), alarm.get("MetricName", "")


def test_dead_letters_failed_executions_and_api_5xx_raise_alarms(platform: Synthesized) -> None:
    metrics = [(_metric(alarm), flatten(alarm.get("Dimensions", []))) for alarm in _alarms(platform).values()]
    dead_letter_alarms = [d for (ns, name), d in metrics if name == "ApproximateNumberOfMessagesVisible"]
    assert len([d for d in dead_letter_alarms if "DeadLetters" in d]) == 2  # the GPU job queues'
    # ... and one per asynchronously invoked Lambda (tests/infra/test_hardening.py)
    assert len([d for d in dead_letter_alarms if "FailedEvents" in d]) == 3
    failed = [d for (ns, name), d in metrics if (ns, name) == ("AWS/States", "ExecutionsFailed")]
    assert len(failed) == 2
    assert any((ns, name) == ("AWS/ApiGateway", "5xx") for (ns, name), _ in metrics)


def test_every_function_and_worker_has_an_error_alarm(platform: Synthesized) -> None:
    alarms = _alarms(platform).values()
    function_alarms = {flatten(a["Dimensions"]) for a in alarms if _metric(a) == ("AWS/Lambda", "Errors")}
    functions = len(platform.resources("api", "AWS::Lambda::Function")) + len(
        [k for k in platform.resources("workflows", "AWS::Lambda::Function") if not k.startswith("BucketNotifications")]
    )
    assert len(function_alarms) == functions
    # Throttles mean a function reached its reserved concurrency (infra/reserved_concurrency.py).
    throttle_alarms = {flatten(a["Dimensions"]) for a in alarms if _metric(a) == ("AWS/Lambda", "Throttles")}
    assert throttle_alarms == function_alarms
    worker_alarms = {_metric(a) for a in alarms if _metric(a)[0] == "VoiceClone/Workers"}
    assert worker_alarms == {("VoiceClone/Workers", "trainer-errors"), ("VoiceClone/Workers", "synth-errors")}
    filters = platform.resources("monitoring", "AWS::Logs::MetricFilter").values()
    assert {f["Properties"]["MetricTransformations"][0]["MetricName"] for f in filters} == {"trainer-errors", "synth-errors"}


def test_alarms_notify_the_topic_and_the_dashboard_exists(platform: Synthesized) -> None:
    (topic_id,) = platform.resources("monitoring", "AWS::SNS::Topic")
    for name, alarm in _alarms(platform).items():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], name
        assert alarm["TreatMissingData"] == "notBreaching", name
    (dashboard,) = platform.resources("monitoring", "AWS::CloudWatch::Dashboard").values()
    assert "GPU job backlog" in flatten(dashboard["Properties"]["DashboardBody"])
    assert not platform.resources("monitoring", "AWS::SNS::Subscription")


def test_an_alarm_email_subscribes_to_the_topic() -> None:
    custom = synthesize({"alarm_email": "ops@example.com"})
    (subscription,) = custom.resources("monitoring", "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"


def test_the_dashboard_graphs_every_job_metric_the_code_emits(platform: Synthesized) -> None:
    from voiceclone.observability import NAMESPACE, MetricName

    dashboards = platform.resources("monitoring", "AWS::CloudWatch::Dashboard").values()
    body = flatten([d["Properties"]["DashboardBody"] for d in dashboards])
    for metric in MetricName:
        assert f'MetricName=\\"{metric}\\"' in body, metric  # a SEARCH expression, quoted inside JSON
    assert f"{{{NAMESPACE},service,JobType,Engine}}" in body
