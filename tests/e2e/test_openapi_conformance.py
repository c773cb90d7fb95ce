"""The API against its own OpenAPI document, property-based (schemathesis, every check, positive and
negative data, a fixed seed): no server error, no status or body the document does not describe."""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from tests.integration.local.platform import RunningPlatform

EXAMPLES_PER_OPERATION = 25
# A request the schema allows may still be refused for what JSON Schema cannot say (an unsupported
# language, an unknown sample, text with nothing to say): those answers are documented 422s.
ACCEPTED_FOR_VALID_DATA = ["2xx", "3xx", "401", "403", "404", "409", "410", "422", "429"]
CONFIG = {
    "seed": 20261202,
    "generation": {"mode": "all"},
    "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_FOR_VALID_DATA}},
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with RunningPlatform(tmp_path_factory.mktemp("openapi-fuzz")) as running:
        yield running


def failures_of(operation, headers: dict[str, str], calls: list[int]) -> list[str]:
    """Every distinct failure schemathesis finds on one operation (empty when it keeps to the document)."""
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def check(case):
        calls.append(1)
        try:
            case.call_and_validate(headers=headers)
        except BaseException as failure:  # schemathesis raises an ExceptionGroup
            found.append(f"{operation.label}: {failure}")
            raise

    with contextlib.suppress(BaseException):  # the failures are in `found`, shrunk
        check()
    return found


def test_the_api_keeps_to_its_openapi_document(platform):
    schema = schemathesis.openapi.from_url(f"{platform.url}/api/openapi.json", config=SchemathesisConfig.from_dict(CONFIG))
    headers = {"Authorization": f"Bearer {platform.token('fuzzer')}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    calls: list[int] = []
    failures = [failure for operation in operations for failure in failures_of(operation, headers, calls)]
    assert not failures, "\n\n".join(failures[-10:])
    assert len(calls) >= 10 * len(operations)  # the fuzzer really ran
