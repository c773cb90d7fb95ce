"""Job life cycle: allowed transitions, named exception for illegal ones, predecessors for atomic updates."""

from __future__ import annotations

import pytest

from voiceclone.domain.errors import InvalidTransition
from voiceclone.domain.jobs import JobStatus, can_transition, check_transition, predecessors

LEGAL = [
    ("pending", "processing"),
    ("pending", "failed"),
    ("pending", "cancelled"),
    ("processing", "completed"),
    ("processing", "failed"),
    ("processing", "cancelled"),
]


@pytest.mark.parametrize("current,target", LEGAL)
def test_legal_transitions(current, target):
    assert can_transition(current, target)
    check_transition("tts job", "tts_1", current, target)


@pytest.mark.parametrize(
    "current,target",
    [
        ("completed", "processing"),
        ("cancelled", "completed"),
        ("failed", "completed"),
        ("completed", "cancelled"),
        ("pending", "completed"),
        ("processing", "pending"),
        ("pending", "pending"),
    ],
)
def test_illegal_transitions_raise_named_error(current, target):
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as raised:
        check_transition("training job", "trn_1", current, target)
    assert raised.value.status_code == 409
    assert f"is {current}; it cannot become {target}" in raised.value.message


def test_predecessors_are_the_update_condition():
    assert predecessors(JobStatus.CANCELLED) == ["pending", "processing"]
    assert predecessors(JobStatus.COMPLETED) == ["processing"]
    assert predecessors(JobStatus.PENDING) == []


def test_terminal_statuses_lead_nowhere():
    for status in ("completed", "failed", "cancelled"):
        assert not any(can_transition(status, target) for target in JobStatus)
