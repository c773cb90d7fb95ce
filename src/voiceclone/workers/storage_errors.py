"""S3 failures a worker meets, said in plain words: botocore's text ("An error occurred (404) when
calling the HeadObject operation") stays in the log and never reaches the user's job.

- `is_missing(error)`: the object is not there (404 / NoSuchKey / NotFound);
- `storage_failure_message(error)`: a readable cause for any other S3 or network failure.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, ReadTimeoutError

MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "") or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


def is_missing(error: BaseException) -> bool:
    return isinstance(error, ClientError) and error_code(error) in MISSING_CODES


def storage_failure_message(error: ClientError | BotoCoreError) -> str:
    if isinstance(error, ClientError):
        what = f"storage answered {error_code(error) or 'an error'}"
    elif isinstance(error, (EndpointConnectionError, ReadTimeoutError)):
        what = "storage could not be reached"
    else:
        what = "the storage request failed"
    return f"the worker could not read or write its files ({what}); please try again"
