"""The POST policy document of a browser-style upload, checked as S3 checks it.

The policy (base64 JSON) has an `expiration` and `conditions`; every condition must hold and every form
field (but the signature, `file`, `policy` and `x-ignore-*`) must be named by a condition:
- `{"field": "value"}` or `["eq", "$field", "value"]`: the field is exactly that (`bucket`: the URL's);
- `["starts-with", "$field", "prefix"]` ("" allows any value; for Content-Type every comma-separated
  type must start with it);
- `["content-length-range", min, max]`: the file's size in bytes.
Field names compare without case, values with. Refusals carry S3's codes and messages.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from voiceclone.local.s3_errors import S3Refusal, access_denied

# Fields a policy need not (cannot) name.
UNCONDITIONED_FIELDS = frozenset({"x-amz-signature", "signature", "awsaccesskeyid", "file", "policy"})
IGNORED_PREFIX = "x-ignore-"


@dataclass(frozen=True)
class Condition:
    operator: str  # eq | starts-with | content-length-range
    field: str  # lower case, without "$" ("" for content-length-range)
    value: Any
    text: str  # as written, for the error message

    def fails(self, fields: Mapping[str, str]) -> bool:
        given = fields.get(self.field)
        if given is None:
            return True
        if self.operator == "eq":
            return given != self.value
        if self.field == "content-type":
            return not all(part.strip().startswith(self.value) for part in given.split(","))
        return not given.startswith(self.value)


def invalid_policy(why: str) -> S3Refusal:
    return S3Refusal(400, "InvalidPolicyDocument", f"Invalid Policy: {why}")


def decode_policy(encoded: str) -> dict[str, Any]:
    try:
        document = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid_policy("Invalid JSON.") from None
    if not isinstance(document, dict):
        raise invalid_policy("Invalid JSON.")
    return document


def check_policy(encoded: str, fields: Mapping[str, str], bucket: str, file_size: int, now: datetime | None = None) -> None:
    """Raise the S3Refusal S3 would answer; `fields` are the form fields before the file, names lower case."""
    document = decode_policy(encoded)
    _check_expiration(document.get("expiration"), now or datetime.now(UTC))
    raw_conditions = document.get("conditions")
    if not isinstance(raw_conditions, list):
        raise invalid_policy("Policy missing conditions.")
    conditions = [_parse_condition(raw) for raw in raw_conditions]
    with_bucket = {**fields, "bucket": bucket}
    for condition in conditions:
        if condition.operator != "content-length-range" and condition.fails(with_bucket):
            raise access_denied(f"Invalid according to Policy: Policy Condition failed: {condition.text}")
    named = {condition.field for condition in conditions}
    extra = [
        name for name in fields
        if name not in named and name not in UNCONDITIONED_FIELDS and not name.startswith(IGNORED_PREFIX)
    ]
    if extra:
        raise access_denied(f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")
    for condition in conditions:
        if condition.operator == "content-length-range":
            _check_length(condition.value, file_size)


def _check_expiration(expiration: Any, now: datetime) -> None:
    if not isinstance(expiration, str):
        raise invalid_policy("Policy missing expiration.")
    try:
        expires = datetime.fromisoformat(expiration)
    except ValueError:
        raise invalid_policy(f"Invalid 'expiration' value: '{expiration}'") from None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if expires <= now:
        raise access_denied("Invalid according to Policy: Policy expired.")


def _parse_condition(raw: Any) -> Condition:
    text = json.dumps(raw)
    if isinstance(raw, dict) and len(raw) == 1:
        (name, value), = raw.items()
        if isinstance(value, str):
            return Condition("eq", name.lower().removeprefix("$"), value, f'["eq", "${name}", {json.dumps(value)}]')
    if isinstance(raw, list) and len(raw) == 3:
        operator = str(raw[0]).lower()
        if operator == "content-length-range":
            low, high = raw[1], raw[2]
            if _is_size(low) and _is_size(high):
                return Condition(operator, "", (int(low), int(high)), text)
        elif operator in ("eq", "starts-with") and isinstance(raw[1], str) and raw[1].startswith("$") and isinstance(raw[2], str):
            return Condition(operator, raw[1][1:].lower(), raw[2], text)
    raise invalid_policy(f"Invalid Condition: {text}")


def _is_size(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str) and value.isdigit():
        return True
    return isinstance(value, int) and value >= 0


def _check_length(bounds: tuple[int, int], size: int) -> None:
    low, high = bounds
    if size > high:
        raise S3Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                        ProposedSize=size, MaxSizeAllowed=high)
    if size < low:
        raise S3Refusal(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                        ProposedSize=size, MinSizeAllowed=low)
