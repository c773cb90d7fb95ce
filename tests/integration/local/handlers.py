"""Lambda handlers used by the local-dispatch tests (registered by import path, like real ones)."""

calls: list[dict] = []


class TransientFailure(Exception):
    """Raised once by `flaky` so a Step Functions Retry on this error name can be observed."""


def echo(event, context):
    calls.append(event)
    return {"seen": event, "function": context.function_name, "remaining_ms": context.get_remaining_time_in_millis()}


def fail(event, context):
    raise ValueError(f"cannot handle {event.get('value')!r}")


def flaky(event, context):
    calls.append(event)
    if len([c for c in calls if c.get("flaky")]) == 1:
        raise TransientFailure("first call fails")
    return {"attempts": len([c for c in calls if c.get("flaky")])}
