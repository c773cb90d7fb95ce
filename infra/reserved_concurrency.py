"""Reserved concurrency for every Lambda, sized so MongoDB's connection limit holds (docs/deploy-checks.md).

Connections per unit (voiceclone.store.client keeps one MongoClient per process):
- a Lambda execution environment runs one invocation at a time. In a FaaS environment pymongo polls each
  replica-set member over one monitoring connection (no RTT connection), and operations run one after
  another, so the pool holds at most one connection per member: 2 x members.
- a GPU worker task streams (monitoring + RTT connection per member) and runs its heartbeat thread
  beside the job: 4 x members.

The Lambdas' share: (limit - workers - operators) / 2. Halved because after a deploy the replaced
version's frozen environments keep their connections until Lambda reclaims them, so old and new coexist
for a while. With the defaults (Atlas M10: 1500 connections, 3 members, 6 GPU tasks) that is 689
connections, 114 environments; DEMAND asks for 104.
"""

from __future__ import annotations

import math

from infra.config import InfraConfig

OPERATOR_CONNECTIONS = 50  # Atlas's own agents, an operator's shell, a BI connector
DEPLOY_OVERLAP = 2

# Concurrent executions each function needs at the default configuration, and why.
DEMAND: dict[str, int] = {
    # API: the stage throttle (50 requests/s) at up to ~1 s a request (a cold start fetches the secret and
    # opens the MongoDB connection) is ~50 at once, split by each area's share of the calls.
    "tts": 18,  # speak requests and job polling: the busiest
    "batch": 2,  # one batch request replaces up to 100 speak requests (and their polling): taken from tts
    "samples": 10,  # upload URLs and analysis polling
    "voices": 10,
    "training": 5,
    "account": 5,
    "keys": 1,  # created and revoked by hand, now and then
    # Every API request but the docs calls it (no identity sources: no API Gateway caching); warm it
    # answers in milliseconds (JWT check in memory, keys cached 5 s), so 6 carry the stage throttle.
    "authorizer": 6,
    # Called synchronously by Step Functions, which retries Lambda.TooManyRequestsException.
    "enhance_sample": 16,  # a Map of 4 per training (enhance_max_concurrency): 4 trainings enhancing at once
    "mark_processing": 5,
    "register_voice": 5,
    "finalize_tts": 5,
    "fail_job": 5,
    "remote_synthesize": 4,  # remote speech APIs rate-limit per key anyway
    "batch_steps": 1,  # start, finish or fail: a few calls per batch
    "batch_remote_item": 1,  # a remote batch's items; shares the providers' per-key limits with remote_synthesize
    "remote_clone": 2,  # one call per remote training; ElevenLabs limits voices per account anyway
    # Invoked asynchronously: a throttled event waits in Lambda's queue (retried for up to 6 hours).
    "analyze_sample": 10,
    "cleanup": 2,  # lifecycle expirations arrive in bulk; they can wait
    "sweeper": 1,  # one sweep at a time: sweeps never overlap
}
# Functions that never open a database connection: reserved only to keep them from the account's pool.
NO_DATABASE: dict[str, int] = {"docs": 2}


def lambda_connections_per_environment(members: int) -> int:
    return 2 * members


def worker_connections_per_task(members: int) -> int:
    return 4 * members


def worker_connections(config: InfraConfig) -> int:
    tasks = config.trainer_max_tasks + config.synth_max_tasks
    return tasks * worker_connections_per_task(config.mongo_replica_set_members)


def lambda_connection_budget(config: InfraConfig) -> int:
    """How many MongoDB connections all Lambda environments together may hold."""
    return (config.mongo_max_connections - worker_connections(config) - OPERATOR_CONNECTIONS) // DEPLOY_OVERLAP


def reserved_concurrency(config: InfraConfig) -> dict[str, int]:
    """Reserved concurrent executions by function name: DEMAND, scaled down (never below 1) when the
    cluster's connections cannot carry it. Raises when even one each is too many."""
    per_environment = lambda_connections_per_environment(config.mongo_replica_set_members)
    environments = lambda_connection_budget(config) // per_environment
    if environments < len(DEMAND):
        raise ValueError(
            f"mongo_max_connections={config.mongo_max_connections} leaves room for {max(environments, 0)} Lambda "
            f"environments, fewer than the {len(DEMAND)} functions that use MongoDB: use a larger cluster tier "
            "or fewer GPU tasks"
        )
    scale = min(1.0, environments / sum(DEMAND.values()))
    sized = {name: max(1, math.floor(demand * scale)) for name, demand in DEMAND.items()}
    return {**sized, **NO_DATABASE}


def database_connections(config: InfraConfig, concurrency: dict[str, int]) -> int:
    """The MongoDB connections the platform may hold at once: Lambdas (deploy overlap included),
    GPU workers and the operators' reserve."""
    lambdas = sum(concurrency[name] for name in DEMAND) * lambda_connections_per_environment(
        config.mongo_replica_set_members
    )
    return lambdas * DEPLOY_OVERLAP + worker_connections(config) + OPERATOR_CONNECTIONS
