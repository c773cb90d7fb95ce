"""A bounded load test on loopback against `make run`'s gateway (an in-process LocalStack, default limits):
bursts of 250 requests on 250 connections opened at once, among them 40 new users whose first four
requests arrive together, each at a different handler module that creates the user record on first
sight (account, samples, tts, training: calls into one module are serialised, so only different modules
race). Every request is answered: 0 resets, 0 server errors, 4xx only as JSON errors, and each new user
ends up with exactly one record.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from voiceclone.local.stack import LocalConfig, LocalStack

BURST = 250
NEW_USERS_PER_BURST = 40
SAMPLE = json.dumps({"name": "load", "filename": "load.wav", "transcript": "a load test", "language": "en"})
# Each creates the user record first (then answers 200, 201, 404 unknown voice, 4xx unknown samples).
FIRST_REQUESTS = (
    ("GET", "/api/me", ""),
    ("POST", "/api/samples", SAMPLE),
    ("POST", "/api/tts/generate", json.dumps({"text": "Hello there.", "voice_model_id": "voice_missing"})),
    ("POST", "/api/training/start", json.dumps({"voice_name": "load", "sample_ids": ["sample_missing"]})),
)
READ_TIMEOUT_S = 60.0  # a hang guard, far above what a burst takes


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[LocalStack]:
    config = LocalConfig(data_dir=Path(tmp_path_factory.mktemp("load")), port=0, run_demo=False)
    with LocalStack(config) as running:
        yield running


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    token: str | None
    body: bytes = b""

    def encode(self) -> bytes:
        head = [f"{self.method} {self.path} HTTP/1.1", "Host: localhost", "Connection: close"]
        if self.token:
            head.append(f"Authorization: Bearer {self.token}")
        if self.body:
            head += ["Content-Type: application/json", f"Content-Length: {len(self.body)}"]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + self.body


@dataclass
class Outcome:
    call: Call
    status: int | None = None
    body: bytes = b""
    failure: str | None = None  # a reset, refused or dropped connection


def send(address: tuple[str, int], call: Call, start: threading.Barrier) -> Outcome:
    outcome = Outcome(call)
    try:
        start.wait()
        with socket.create_connection(address, timeout=READ_TIMEOUT_S) as sock:
            sock.sendall(call.encode())
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
    except OSError as error:  # ConnectionResetError, BrokenPipeError, ConnectionRefusedError, timeouts
        outcome.failure = type(error).__name__
        return outcome
    head, _, outcome.body = raw.partition(b"\r\n\r\n")
    if not head:
        outcome.failure = "closed without a response"
        return outcome
    outcome.status = int(head.split(b" ", 2)[1])
    return outcome


def burst(address: tuple[str, int], calls: list[Call]) -> list[Outcome]:
    """All `calls` on their own connections, released together."""
    start = threading.Barrier(len(calls))
    outcomes: list[Outcome | None] = [None] * len(calls)

    def run(index: int) -> None:
        outcomes[index] = send(address, calls[index], start)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(READ_TIMEOUT_S * 2)
    assert all(outcome is not None for outcome in outcomes), "a client thread hung"
    return outcomes  # type: ignore[return-value]


def calls_for_a_burst(stack: LocalStack, regular_tokens: list[str]) -> tuple[list[Call], list[str]]:
    new_users = [f"load-{uuid.uuid4().hex[:10]}" for _ in range(NEW_USERS_PER_BURST)]
    calls = []
    for user in new_users:
        token = stack.issue_token(user)
        calls += [Call(method, path, token, body.encode()) for method, path, body in FIRST_REQUESTS]
    regular = [
        lambda token: Call("GET", "/api/me", token),
        lambda token: Call("GET", "/api/tts/jobs", token),
        lambda token: Call("HEAD", "/api/voices", token),
        lambda token: Call("POST", "/api/samples", token, SAMPLE.encode()),
        lambda token: Call("GET", "/api/nowhere", token),
        lambda token: Call("GET", "/api/me", None),
    ]
    index = 0
    while len(calls) < BURST:
        calls.append(regular[index % len(regular)](regular_tokens[index % len(regular_tokens)]))
        index += 1
    return calls, new_users


def summary(outcomes: list[Outcome]) -> str:
    return str(Counter(outcome.failure or outcome.status for outcome in outcomes))


@pytest.mark.parametrize("round_number", [1, 2])
def test_a_burst_with_new_users_is_answered_without_resets_or_server_errors(stack, round_number):
    assert stack.gateway is not None
    regular_tokens = [stack.issue_token(f"regular-{index}") for index in range(10)]
    calls, new_users = calls_for_a_burst(stack, regular_tokens)
    assert len(calls) == BURST

    outcomes = burst(stack.gateway.server_address, calls)

    failures = [outcome for outcome in outcomes if outcome.failure]
    assert not failures, f"{len(failures)} of {BURST} connections failed: {summary(outcomes)}"
    server_errors = [outcome for outcome in outcomes if outcome.status is not None and outcome.status >= 500]
    assert not server_errors, (
        f"{len(server_errors)} server errors: {summary(outcomes)}; first: "
        f"{server_errors[0].call.method} {server_errors[0].call.path} {server_errors[0].body[:300]!r}")
    for outcome in outcomes:
        if outcome.status is not None and outcome.status >= 400 and outcome.call.method != "HEAD":
            assert set(json.loads(outcome.body)["error"]) == {"code", "message"}, outcome
    first = outcomes[: len(FIRST_REQUESTS) * NEW_USERS_PER_BURST]
    assert Counter((outcome.call.path, outcome.status) for outcome in first if outcome.call.path in
                   ("/api/me", "/api/samples")) == {("/api/me", 200): NEW_USERS_PER_BURST,
                                                    ("/api/samples", 201): NEW_USERS_PER_BURST}

    from voiceclone.store import get_store

    store = get_store()
    assert store.users.collection.count_documents({"_id": {"$in": new_users}}) == NEW_USERS_PER_BURST
    assert_quotas_exact(store, outcomes, new_users)


def assert_quotas_exact(store, outcomes: list[Outcome], new_users: list[str]) -> None:
    """What each user was charged and holds is exactly what their answered requests say."""
    for user in new_users:  # their job was refused (unknown voice): nothing charged, one sample each
        usage = store.users.usage_this_month(user)
        assert (usage.characters, usage.tts_jobs) == (0, 0), (user, usage)
        assert store.samples.collection.count_documents({"user_id": user}) == 1, user
    created = Counter(json.loads(o.body)["sample"]["sample_id"] for o in outcomes if o.call.path == "/api/samples" and o.status == 201)
    assert all(count == 1 for count in created.values())  # no sample id answered twice
    stored = store.samples.collection.count_documents({"_id": {"$in": list(created)}})
    assert stored == len(created)  # every acknowledged sample is stored, none twice
