"""HTTPS to a provider with the standard library: timeouts, retries with backoff on 429/5xx (honouring
Retry-After), and errors that carry the provider's status and message but never the key.

Only the standard library: the light Lambdas may import the clients (the `openai` SDK takes ~1.4 s to
import and weighs 30 MB; docs/remote-engines.md).
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from voiceclone.engines.remote.errors import ProviderError, ProviderTimeout

logger = logging.getLogger(__name__)

USER_AGENT = "voiceclone/0.1"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_MESSAGE_CHARS = 500
REDACTED = "[redacted]"
MIN_SECRET_FRAGMENT = 8  # a provider may echo part of a key ("sk-abc...wxyz"): any 8 characters of it go


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 30.0  # a longer Retry-After is a quota, not a blip: give up instead

    def delay(self, attempt: int, retry_after: str | None) -> float | None:
        """Seconds to wait before attempt `attempt + 1`; None: do not retry."""
        if attempt >= self.attempts:
            return None
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return asked if asked <= self.max_retry_after_s else None
        backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return backoff * random.uniform(0.5, 1.0)  # jitter: concurrent jobs do not retry in step


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        return json.loads(self.body)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` without any secret, nor any 8-character stretch of one."""
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, REDACTED)
        if len(secret) > MIN_SECRET_FRAGMENT:
            for start in range(len(secret) - MIN_SECRET_FRAGMENT + 1):
                fragment = secret[start : start + MIN_SECRET_FRAGMENT]
                if fragment in text:
                    text = text.replace(fragment, REDACTED)
    return text


ErrorReader = Callable[[HttpResponse], str]


def default_error_message(response: HttpResponse) -> str:
    text = response.body.decode("utf-8", "replace").strip()
    return text or f"HTTP {response.status} without a body"


@dataclass
class ProviderHttp:
    """Requests to one provider's base URL with its authentication headers."""

    provider: str
    base_url: str
    auth_headers: Mapping[str, str]
    timeout_s: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    error_message: ErrorReader = default_error_message
    sleep: Callable[[float], None] = time.sleep

    def __repr__(self) -> str:  # never the headers: they hold the key
        return f"ProviderHttp({self.provider!r}, {self.base_url!r})"

    def url(self, path: str, query: Mapping[str, str | None] | None = None) -> str:
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        params = {name: value for name, value in (query or {}).items() if value is not None}
        return f"{url}?{urllib.parse.urlencode(params)}" if params else url

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str | None] | None = None,
    ) -> HttpResponse:
        """The 2xx response; raises ProviderError (4xx, or 429/5xx/timeouts once retries are spent)."""
        all_headers = {"User-Agent": USER_AGENT, **self.auth_headers, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        url = self.url(path, query)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send(method, url, body, all_headers)
            except ProviderTimeout as timeout:
                delay = self.retry.delay(attempt, None)
                if delay is None:
                    raise ProviderTimeout(self.provider, timeout.message, attempts=attempt) from None
                self._wait(method, path, "no answer", attempt, delay)
                continue
            if 200 <= response.status < 300:
                return response
            if response.status in RETRY_STATUSES:
                delay = self.retry.delay(attempt, response.headers.get("retry-after"))
                if delay is not None:
                    self._wait(method, path, f"HTTP {response.status}", attempt, delay)
                    continue
            raise ProviderError(self.provider, response.status, self._message(response), attempts=attempt)

    def _send(self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]) -> HttpResponse:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
        try:
            with _OPENER.open(request, timeout=self.timeout_s) as answer:
                return HttpResponse(answer.status, _lower(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return HttpResponse(error.code, _lower(error.headers.items()), error.read())
        except TimeoutError:
            raise ProviderTimeout(self.provider, f"no answer within {self.timeout_s:g} s") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError | socket.timeout):
                raise ProviderTimeout(self.provider, f"no answer within {self.timeout_s:g} s") from None
            raise ProviderTimeout(self.provider, f"cannot reach {self._host()}: {error.reason}") from None
        except (ConnectionError, OSError) as error:  # reset mid-answer, refused...
            raise ProviderTimeout(self.provider, f"connection to {self._host()} failed: {error}") from None

    def _host(self) -> str:
        return urllib.parse.urlsplit(self.base_url).netloc

    def _message(self, response: HttpResponse) -> str:
        try:
            message = self.error_message(response)
        except (ValueError, KeyError, TypeError, AttributeError):
            message = default_error_message(response)
        return redact(" ".join(message.split())[:MAX_MESSAGE_CHARS], self._secrets())

    def _secrets(self) -> list[str]:
        secrets = []
        for value in self.auth_headers.values():
            secrets.append(value)
            secrets.extend(part for part in value.split() if len(part) >= MIN_SECRET_FRAGMENT)  # "Bearer KEY"
        return secrets

    def _wait(self, method: str, path: str, why: str, attempt: int, delay: float) -> None:
        logger.warning(
            "%s %s %s: %s, retry %d in %.2f s", self.provider, method, path, why, attempt, delay,
            extra={"provider": self.provider, "attempt": attempt, "delay_s": round(delay, 3)},
        )
        self.sleep(delay)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the key's header to wherever it points: answer it as an error instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}
