"""Workflows: the training and TTS state machines, the Lambdas they and S3 events call, the GPU job
queues and the sweeper's schedule. Definitions come from `voiceclone.workflows.definitions`."""

from __future__ import annotations

import json

from aws_cdk import CfnOutput, Duration, Size, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import nag
from infra.config import InfraConfig
from infra.constructs import grants
from infra.constructs.app_secrets import mongo_uri_secret, provider_keys_secret
from infra.constructs.dead_letter_queue import dead_letter_queue
from infra.constructs.job_queue import JobQueue
from infra.constructs.lambda_code import REPO_ROOT, function_code, source_excludes
from infra.constructs.log_group import log_group
from infra.constructs.service_function import DEFAULT_TIMEOUT, ServiceFunction
from infra.constructs.settings_environment import settings_environment
from infra.reserved_concurrency import reserved_concurrency
from infra.stacks.storage import StorageStack
from voiceclone.workflows import definitions as asl

AUDIO_LAMBDA_DOCKERFILE = "containers/audio-lambda/Dockerfile"
# What the audio image's build context needs from the repository.
AUDIO_IMAGE_SOURCES = ("src", "functions", "pyproject.toml", "README.md", "containers")
STEP_FUNCTIONS_CALLER = (
    "Step Functions, whose Retry (throttling and transient errors) and Catch (to fail-job) handle every error; "
    "an execution that still fails raises the ExecutionsFailed alarm"
)


class WorkflowsStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: InfraConfig, storage: StorageStack, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._config = config
        self._removal = config.removal_policy
        self._log_key = storage.key
        self._concurrency = reserved_concurrency(config)
        # Asynchronously invoked functions: the events that failed every retry, by function name.
        self.event_dead_letter_queues: dict[str, sqs.Queue] = {}
        self.mongo_secret = mongo_uri_secret(self, config)
        # Buckets imported by name so the S3 notifications live here (no Storage <-> Workflows cycle).
        samples = s3.Bucket.from_bucket_name(self, "SamplesBucket", storage.samples.bucket_name)
        outputs = s3.Bucket.from_bucket_name(self, "OutputsBucket", storage.outputs.bucket_name)
        self.train_queue = JobQueue(
            self, "TrainQueue", visibility_timeout=Duration.seconds(config.train_queue_visibility_s),
            max_receive_count=config.max_receive_count, removal_policy=self._removal,
        )
        self.synth_queue = JobQueue(
            self, "SynthQueue", visibility_timeout=Duration.seconds(config.synth_queue_visibility_s),
            max_receive_count=config.max_receive_count, removal_policy=self._removal,
        )
        self._environment = settings_environment(
            config, samples=storage.samples, models=storage.models, outputs=storage.outputs,
            mongo_secret=self.mongo_secret,
            train_queue_url=self.train_queue.queue.queue_url, synth_queue_url=self.synth_queue.queue.queue_url,
        )

        code = function_code(config.bundle_lambdas)
        audio_image = lambda name: lambda_.DockerImageCode.from_image_asset(
            str(REPO_ROOT),
            file=AUDIO_LAMBDA_DOCKERFILE,
            cmd=[f"functions.orchestration.{name}.lambda_handler"],
            exclude=source_excludes(AUDIO_IMAGE_SOURCES),
            platform=ecr_assets.Platform.LINUX_AMD64,  # the functions run on x86_64, whatever builds them
        )
        self.functions: dict[str, lambda_.Function] = {}
        # Fixed names: the API and the sweeper build execution ARNs from them.
        self.state_machine_names: dict[str, str] = {}
        fn = self._function

        analyze = fn("analyze_sample", audio_image("analyze_sample"), "Measures an uploaded sample; ready or rejected.",
                     timeout=Duration.minutes(5), memory_size=3008, events="S3 upload events")
        self._objects(analyze, storage.samples, "raw/", grants.READ, listing=True)
        enhance = fn("enhance_sample", audio_image("enhance_sample"), "Cleans one sample into training clips.",
                     timeout=Duration.minutes(10), memory_size=3008)
        self._objects(enhance, storage.samples, "raw/", grants.READ, listing=True)
        self._objects(enhance, storage.samples, "prepared/", grants.WRITE)

        fn("mark_processing", code, "Marks a job processing and gathers what its workflow needs.")
        register = fn("register_voice", code, "Records the trained voice and completes the training job.")
        self._delete_job_leftovers(register, storage, voices=False)
        fn("finalize_tts", code, "Completes a TTS job and charges its characters once.")
        fail = fn("fail_job", code, "Ends a job failed with its error message (a cancelled job stays cancelled).")
        self._delete_job_leftovers(fail, storage, voices=True)
        self._objects(fail, storage.outputs, "tts/", grants.DELETE)  # a cancelled TTS job's late output
        provider_keys = provider_keys_secret(self, config)
        # An audio image: the provider's audio is decoded and normalised like self-hosted output (numpy, soundfile).
        remote = fn("remote_synthesize", audio_image("remote_synthesize"), "Synthesises with a remote speech API.",
                    timeout=Duration.minutes(5), memory_size=1024, provider_keys_secret_arn=provider_keys.secret_arn)
        self._objects(remote, storage.outputs, "tts/", grants.WRITE)
        provider_keys.grant_read(remote)
        # Training's RemoteClone: uploads the enhanced clips to ElevenLabs (light zip: no audio decoding).
        clone = fn("remote_clone", code, "Clones a training's voice at a remote speech API from its enhanced clips.",
                   timeout=Duration.minutes(5), provider_keys_secret_arn=provider_keys.secret_arn)
        self._objects(clone, storage.samples, "prepared/", grants.READ)
        provider_keys.grant_read(clone)
        cleanup = fn("cleanup", code, "Marks records whose objects expired or were deleted.", timeout=Duration.minutes(1),
                     events="S3 removal and expiry events")
        self._batch_functions(fn, code, audio_image, storage, provider_keys)

        # Until a worker picks the message up, only the heartbeat timeout runs: from zero workers it
        # must cover a cold GPU start.
        cold = config.gpu_cold_start_s
        self.training_state_machine = self._state_machine(
            "Training",
            asl.training_definition(
                heartbeat_s=max(asl.TRAIN_HEARTBEAT_S, cold),  # the trainer always scales from zero
                timeout_s=config.training_job_deadline_s,
                max_concurrency=config.enhance_max_concurrency,
            ),
            queue=self.train_queue,
            timeout=Duration.seconds(config.training_job_deadline_s + 3600),
        )
        self.tts_batch_state_machine = self._state_machine(
            "Batch",
            asl.tts_batch_definition(
                heartbeat_s=asl.SYNTH_HEARTBEAT_S if config.synth_min_tasks else max(asl.SYNTH_HEARTBEAT_S, cold),
            ),
            queue=self.synth_queue,
            timeout=Duration.seconds(asl.SYNTH_BATCH_TIMEOUT_S + 3600),
        )
        self.tts_state_machine = self._state_machine(
            "Tts",
            asl.tts_definition(
                heartbeat_s=asl.SYNTH_HEARTBEAT_S if config.synth_min_tasks else max(asl.SYNTH_HEARTBEAT_S, cold),
                timeout_s=config.tts_job_deadline_s,
            ),
            queue=self.synth_queue,
            timeout=Duration.seconds(config.tts_job_deadline_s + 600),
        )

        sweeper = fn("sweeper", code, "Fails jobs past their deadline, purges old records, probes engines.",
                     timeout=Duration.minutes(5), events="scheduled sweeps",
                     training_state_machine_arn=self.training_state_machine.state_machine_arn,
                     tts_state_machine_arn=self.tts_state_machine.state_machine_arn,
                     provider_keys_secret_arn=provider_keys.secret_arn)
        # It also refreshes engine_status: remote engines probed with the keys, base weights listed.
        provider_keys.grant_read(sweeper)
        grants.grant_listing(storage.models, sweeper.role, "base/")
        for state_machine_name in self.state_machine_names.values():
            grants.grant_executions(state_machine_name, sweeper.role, "states:DescribeExecution")
        # The sweeper fails overdue jobs (as fail-job does) and purges old outputs.
        self._delete_job_leftovers(sweeper, storage, voices=True)
        self._objects(sweeper, storage.outputs, "tts/", grants.DELETE)
        self._objects(sweeper, storage.outputs, "batches/", grants.DELETE, listing=True)  # purged batches
        events.Rule(
            self,
            "SweeperSchedule",
            schedule=events.Schedule.rate(Duration.minutes(config.sweeper_interval_minutes)),
            # A sweep EventBridge could not deliver lands with the sweeps that failed.
            targets=[targets.LambdaFunction(sweeper, retry_attempts=2,
                                            dead_letter_queue=self.event_dead_letter_queues["sweeper"])],
        )

        samples.add_event_notification(
            s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(analyze), s3.NotificationKeyFilter(prefix="raw/")
        )
        for bucket, prefix in ((samples, "raw/"), (outputs, "tts/")):
            for event in (s3.EventType.OBJECT_REMOVED, s3.EventType.LIFECYCLE_EXPIRATION):
                bucket.add_event_notification(event, s3n.LambdaDestination(cleanup), s3.NotificationKeyFilter(prefix=prefix))

        self._acknowledge_notifications_handler()

        CfnOutput(self, "TrainingStateMachineArn", value=self.training_state_machine.state_machine_arn)
        CfnOutput(self, "TtsStateMachineArn", value=self.tts_state_machine.state_machine_arn)

    def _batch_functions(self, fn, code, audio_image, storage: StorageStack, provider_keys) -> None:
        """Batch TTS: one function starts (groups the items), finishes or fails a batch and builds the zip of the results;
        remote items are spoken from the audio image (the provider's audio is decoded and normalised)."""
        steps = fn("batch_steps", code, "A TTS batch's start (items grouped per voice), finish and fail (refunds, the zip).",
                   timeout=Duration.minutes(5))
        self._objects(steps, storage.outputs, "batches/", (*grants.READ, *grants.WRITE))
        remote = fn("batch_remote_item", audio_image("batch_remote_item"), "Speaks one TTS batch item with a remote API.",
                    timeout=Duration.minutes(5), memory_size=1024, provider_keys_secret_arn=provider_keys.secret_arn)
        self._objects(remote, storage.outputs, "batches/", grants.WRITE)
        provider_keys.grant_read(remote)

    @staticmethod
    def _objects(
        function: lambda_.Function, bucket: s3.IBucket, prefix: str, actions: tuple[str, ...], listing: bool = False
    ) -> None:
        grants.grant_objects(bucket, function.role, prefix, *actions)
        if listing:
            grants.grant_listing(bucket, function.role, prefix)

    def _delete_job_leftovers(self, function: lambda_.Function, storage: StorageStack, *, voices: bool) -> None:
        """A finished or failed job's prepared clips and checkpoints (and a failed job's partial voice)."""
        leftovers = [(storage.samples, "prepared/"), (storage.models, "checkpoints/")]
        if voices:
            leftovers.append((storage.models, "voices/"))
        for bucket, prefix in leftovers:
            self._objects(function, bucket, prefix, grants.DELETE, listing=True)

    def _acknowledge_notifications_handler(self) -> None:
        # CDK's singleton Lambda that writes the bucket notification configuration.
        for child in self.node.children:
            if child.node.id.startswith("BucketNotificationsHandler"):
                nag.acknowledge(
                    child,
                    "CDK's bucket-notification custom resource: the basic execution policy lets it write its logs.",
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                )

    def _function(
        self,
        name: str,
        code: lambda_.Code | lambda_.DockerImageCode,
        description: str,
        *,
        timeout: Duration = DEFAULT_TIMEOUT,
        memory_size: int = 512,
        events: str | None = None,
        **settings: str,
    ) -> lambda_.Function:
        """An orchestration Lambda running `functions.orchestration.<name>` with read access to the MongoDB secret.

        `events`: what invokes it asynchronously (it gets a dead-letter queue); None: Step Functions calls it."""
        environment = dict(self._environment)
        environment.update({f"VOICECLONE_{key.upper()}": value for key, value in settings.items()})
        construct = ServiceFunction(
            self,
            _pascal(name),
            code=code,
            handler=None if isinstance(code, lambda_.DockerImageCode) else f"functions.orchestration.{name}.lambda_handler",
            description=description,
            environment=environment,
            log_retention_days=self._config.log_retention_days,
            log_key=self._log_key,
            removal_policy=self._removal,
            reserved_concurrency=self._concurrency[name],
            dead_letter_queue=self._event_dead_letter_queue(name, events) if events else None,
            synchronous_caller=None if events else STEP_FUNCTIONS_CALLER,
            timeout=timeout,
            memory_size=memory_size,
        )
        if isinstance(code, lambda_.DockerImageCode):
            construct.function.node.default_child.add_property_override(
                "EphemeralStorage", {"Size": Size.gibibytes(4).to_mebibytes()}
            )
        self.mongo_secret.grant_read(construct.function)
        self.functions[name] = construct.function
        return construct.function

    def _event_dead_letter_queue(self, name: str, events: str) -> sqs.Queue:
        queue = dead_letter_queue(self, f"{_pascal(name)}FailedEvents", holds=f"{events} {name} failed on",
                                  removal_policy=self._removal)
        self.event_dead_letter_queues[name] = queue
        return queue

    def _state_machine(self, name: str, definition: asl.Definition, *, queue: JobQueue, timeout: Duration) -> sfn.StateMachine:
        substitutions = {
            placeholder: self.functions[module.rsplit(".", 1)[1]].function_arn
            for placeholder, module in asl.LAMBDA_HANDLERS.items()
        }
        substitutions.update({asl.TRAIN_QUEUE_URL: self.train_queue.queue.queue_url,
                              asl.SYNTH_QUEUE_URL: self.synth_queue.queue.queue_url})
        used = asl.placeholders(definition)
        if missing := used - substitutions.keys():
            raise ValueError(f"{name} state machine: no resource for placeholders {sorted(missing)}")
        state_machine_name = f"{self._config.app_name}-{name.lower()}"
        self.state_machine_names[name] = state_machine_name
        state_machine = sfn.StateMachine(
            self,
            f"{name}StateMachine",
            state_machine_name=state_machine_name,
            definition_body=sfn.DefinitionBody.from_string(json.dumps(definition)),
            definition_substitutions={key: value for key, value in substitutions.items() if key in used},
            logs=sfn.LogOptions(
                destination=log_group(
                    self, f"{name}ExecutionLogs", key=self._log_key,
                    retention_days=self._config.log_retention_days, removal_policy=self._removal,
                ),
                level=sfn.LogLevel.ALL,
                include_execution_data=False,  # job texts and user ids stay out of the logs
            ),
            tracing_enabled=True,
            timeout=timeout,
        )
        for placeholder, module in asl.LAMBDA_HANDLERS.items():
            if placeholder in used:
                grants.grant_invoke(self.functions[module.rsplit(".", 1)[1]].function_arn, state_machine.role)
        queue.queue.grant_send_messages(state_machine)
        nag.acknowledge(
            state_machine,
            "Execution logging (logs:CreateLogDelivery and friends) and X-Ray tracing have no resource-level "
            "permissions.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        return state_machine


def _pascal(snake: str) -> str:
    return "".join(part.title() for part in snake.split("_"))
