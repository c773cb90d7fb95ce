"""What S3 checks before it lets a presigned request in, and moto (which checks no signature) does not.

- A browser-style POST upload (multipart/form-data to a bucket): the form is read in order up to the
  `file` part, as S3 does (fields after it are ignored); the signature (V4, or V2) of the policy is
  checked with the local credentials, then the policy (s3_post_policy). moto then gets a body rebuilt
  from exactly the fields that were checked, so it cannot read anything else than what was allowed.
- A presigned URL (X-Amz-* in the query): algorithm, credential, expiry (X-Amz-Date + X-Amz-Expires)
  and the signature of the canonical request. A V2 presigned URL (Expires, Signature): expiry only.
- Anything else must carry an Authorization header: the buckets are private, so an anonymous request
  is AccessDenied, as in S3. The header's signature is not checked (moto never does; the local
  credentials are public anyway, and `aws --endpoint-url` with any keys keeps working).
A refusal is S3's XML error with S3's status and code.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any
from urllib.parse import parse_qsl, quote

from werkzeug.datastructures import Headers
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from voiceclone.local import s3_post_policy
from voiceclone.local.s3_errors import S3Refusal, access_denied, invalid_argument
from voiceclone.local.s3_signatures import (
    ALGORITHM_V4,
    CredentialScope,
    credentials_for,
    post_policy_signature_v2,
    post_policy_signature_v4,
    presigned_url_signature_v4,
    same_signature,
)

MAX_PRESIGNED_EXPIRY_S = 7 * 24 * 3600  # S3: a presigned URL lives at most a week
READ_CHUNK = 1 << 20
SPOOL_BYTES = 8 << 20  # bodies above this spill to a temporary file
MAX_POST_BODY_BYTES = 5 * 1024**3 + (1 << 20)  # S3's POST limit (5 GB) plus room for the fields
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


def malformed_post() -> S3Refusal:
    return S3Refusal(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")


def missing_post_field(name: str) -> S3Refusal:
    return invalid_argument(
        f"Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields.",
        ArgumentName=name, ArgumentValue="",
    )


def query_parameters_error(message: str) -> S3Refusal:
    return S3Refusal(400, "AuthorizationQueryParametersError", message)


@dataclass
class PostForm:
    """A POST upload's form up to the file: fields by lower-case name (in order) and the file."""

    fields: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # lower case -> as sent
    file_name: str = ""
    file_content_type: str | None = None
    file_data: IO[bytes] | None = None
    file_size: int = 0


class S3RequestGuard:
    """Checks one S3 request's presigned authorisation; `check` raises S3Refusal or returns normally."""

    def __init__(self, now=lambda: datetime.now(UTC)) -> None:
        self._now = now

    def check(self, environ: dict[str, Any], bucket: str | None) -> None:
        """Refuse what S3 would; a POST upload's body is replaced by the checked form (see module doc)."""
        if environ.get("REQUEST_METHOD") == "POST" and bucket and _is_form_upload(environ) and _targets_bucket(environ, bucket):
            self._check_post_upload(environ, bucket)
            return
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if "X-Amz-Signature" in query or "X-Amz-Credential" in query:
            self._check_presigned_v4(environ, query)
        elif "Signature" in query and "Expires" in query:
            self._check_presigned_v2(query)
        elif not environ.get("HTTP_AUTHORIZATION") and environ.get("REQUEST_METHOD") != "OPTIONS":
            raise access_denied()  # anonymous; CORS preflights (OPTIONS) are answered unsigned, as in S3

    # -- POST uploads ----------------------------------------------------------------------------
    def _check_post_upload(self, environ: dict[str, Any], bucket: str) -> None:
        form = read_post_form(environ)
        try:
            self._check_post_form(form, bucket)
        except S3Refusal:
            if form.file_data is not None:
                form.file_data.close()
            raise
        replace_body(environ, form)

    def _check_post_form(self, form: PostForm, bucket: str) -> None:
        fields = form.fields
        if "policy" not in fields:
            raise access_denied()  # anonymous: the buckets are private
        if "x-amz-signature" in fields or "x-amz-algorithm" in fields:
            self._check_post_signature_v4(fields)
        elif "signature" in fields or "awsaccesskeyid" in fields:
            self._check_post_signature_v2(fields)
        else:
            raise missing_post_field("x-amz-signature")
        if "key" not in fields:
            raise missing_post_field("key")
        if form.file_data is None:
            raise invalid_argument("POST requires exactly one file upload per request.", ArgumentName="file", ArgumentValue="0")
        s3_post_policy.check_policy(fields["policy"], fields, bucket, form.file_size, self._now())

    def _check_post_signature_v4(self, fields: Mapping[str, str]) -> None:
        for name in ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"):
            if name not in fields:
                raise missing_post_field(name)
        if fields["x-amz-algorithm"] != ALGORITHM_V4:
            raise invalid_argument("Only AWS4-HMAC-SHA256 is supported", ArgumentName="x-amz-algorithm",
                                   ArgumentValue=fields["x-amz-algorithm"])
        scope = CredentialScope.parse(fields["x-amz-credential"], invalid_argument(
            "Invalid credential", ArgumentName="x-amz-credential", ArgumentValue=fields["x-amz-credential"]))
        secret = credentials_for(scope.access_key, fields.get("x-amz-security-token")).secret_key
        expected = post_policy_signature_v4(secret, scope, fields["policy"])
        if not same_signature(expected, fields["x-amz-signature"]):
            raise signature_mismatch(scope.access_key)

    def _check_post_signature_v2(self, fields: Mapping[str, str]) -> None:
        for name in ("awsaccesskeyid", "signature"):
            if name not in fields:
                raise missing_post_field("AWSAccessKeyId" if name == "awsaccesskeyid" else name)
        secret = credentials_for(fields["awsaccesskeyid"], fields.get("x-amz-security-token")).secret_key
        if not same_signature(post_policy_signature_v2(secret, fields["policy"]), fields["signature"]):
            raise signature_mismatch(fields["awsaccesskeyid"])

    # -- presigned URLs --------------------------------------------------------------------------
    def _check_presigned_v4(self, environ: dict[str, Any], query: Mapping[str, str]) -> None:
        for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"):
            if name not in query:
                raise query_parameters_error(
                    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
                )
        if query["X-Amz-Algorithm"] != ALGORITHM_V4:
            raise query_parameters_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        scope = CredentialScope.parse(query["X-Amz-Credential"], query_parameters_error(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
            "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."))
        signed_at = _amz_date(query["X-Amz-Date"])
        expires_s = _expires_seconds(query["X-Amz-Expires"])
        now = self._now()
        if now > signed_at + timedelta(seconds=expires_s):
            raise access_denied(
                "Request has expired", **{"X-Amz-Expires": expires_s},
                Expires=_iso(signed_at + timedelta(seconds=expires_s)), ServerTime=_iso(now),
            )
        secret = credentials_for(scope.access_key, query.get("X-Amz-Security-Token")).secret_key
        signed_headers = query["X-Amz-SignedHeaders"].split(";")
        expected = presigned_url_signature_v4(
            secret, scope, query["X-Amz-Date"], environ["REQUEST_METHOD"], raw_path(environ),
            environ.get("QUERY_STRING", ""), request_headers(environ), signed_headers,
        )
        if not same_signature(expected, query["X-Amz-Signature"]):
            raise signature_mismatch(scope.access_key)

    def _check_presigned_v2(self, query: Mapping[str, str]) -> None:
        try:
            expires = datetime.fromtimestamp(int(query["Expires"]), UTC)
        except (ValueError, OverflowError, OSError):
            raise access_denied("Invalid date (should be seconds since epoch): " + query["Expires"]) from None
        now = self._now()
        if now > expires:
            raise access_denied("Request has expired", Expires=_iso(expires), ServerTime=_iso(now))


def signature_mismatch(access_key: str) -> S3Refusal:
    return S3Refusal(
        403, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        AWSAccessKeyId=access_key,
    )


def _amz_date(text: str) -> datetime:
    try:
        return datetime.strptime(text, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise query_parameters_error(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"") from None


def _expires_seconds(text: str) -> int:
    try:
        seconds = int(text)
    except ValueError:
        raise query_parameters_error("X-Amz-Expires should be a number") from None
    if seconds < 0:
        raise query_parameters_error("X-Amz-Expires must be non-negative")
    if seconds > MAX_PRESIGNED_EXPIRY_S:
        raise query_parameters_error("X-Amz-Expires must be less than a week (in seconds) that is; 604800")
    return seconds


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the request as it was sent ----------------------------------------------------------------------
def raw_path(environ: Mapping[str, Any]) -> str:
    """The path exactly as the client sent it (SigV4 for S3 signs it without normalising)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path = raw.split("?", 1)[0]
        if "://" in path:  # an absolute request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path
    path_info = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
    return quote(path_info, safe="/~")


def request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """Header name (lower case) -> value, from the WSGI environ."""
    headers = {
        name[5:].replace("_", "-").lower(): str(value) for name, value in environ.items() if name.startswith("HTTP_")
    }
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = str(environ[name])
    return headers


def _is_form_upload(environ: Mapping[str, Any]) -> bool:
    mimetype, _ = parse_options_header(environ.get("CONTENT_TYPE", ""))
    return mimetype == "multipart/form-data"


def _targets_bucket(environ: Mapping[str, Any], bucket: str) -> bool:
    """A POST upload goes to the bucket itself (path `/bucket` or, virtual-host style, `/`)."""
    path = environ.get("PATH_INFO", "").strip("/")
    return path in ("", bucket)


# -- the form ------------------------------------------------------------------------------------
def read_post_form(environ: dict[str, Any]) -> PostForm:
    """Read the body and decode the form up to (and including) the `file` part."""
    _, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    boundary = options.get("boundary")
    if not boundary:
        raise malformed_post()
    decoder = MultipartDecoder(boundary.encode("latin-1"), max_form_memory_size=None)
    form = PostForm()
    current: tuple[str, Headers] | None = None
    in_file = done = False
    value = bytearray()
    chunks = _body_chunks(environ)
    for chunk in chunks:
        decoder.receive_data(chunk)
        while not done:
            try:
                event = decoder.next_event()
            except ValueError:
                raise malformed_post() from None
            if isinstance(event, NeedData):
                break
            if isinstance(event, Epilogue):
                done = True
            elif isinstance(event, (Field, File)):
                if event.name.lower() == "file":
                    in_file = True
                    form.file_name = getattr(event, "filename", "") or ""
                    form.file_content_type = event.headers.get("Content-Type")
                    form.file_data = tempfile.SpooledTemporaryFile(SPOOL_BYTES)  # noqa: SIM115 - replace_body closes it
                else:
                    current, value = (event.name, event.headers), bytearray()
            elif isinstance(event, Data):
                if in_file:
                    assert form.file_data is not None
                    form.file_data.write(event.data)
                    form.file_size += len(event.data)
                    if not event.more_data:
                        done = True  # S3 ignores whatever follows the file
                elif current is not None:
                    value.extend(event.data)
                    if not event.more_data:
                        _add_field(form, current[0], bytes(value))
                        current = None
        if done:
            break
    for _ in chunks:  # read the rest (ignored) so the connection stays in step
        pass
    if not done:
        raise malformed_post()
    if form.file_data is not None:
        form.file_data.seek(0)
    return form


def _add_field(form: PostForm, name: str, raw: bytes) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise malformed_post() from None
    lower = name.lower()
    if lower in form.fields:
        raise invalid_argument(f"The form field '{name}' appears more than once.", ArgumentName=name, ArgumentValue=text)
    form.fields[lower] = text
    form.names[lower] = name


def _body_chunks(environ: Mapping[str, Any]):
    stream = environ["wsgi.input"]
    length_text = environ.get("CONTENT_LENGTH") or ""
    remaining = int(length_text) if length_text.isdigit() else None
    if remaining is not None and remaining > MAX_POST_BODY_BYTES:
        raise S3Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                        ProposedSize=remaining, MaxSizeAllowed=MAX_POST_BODY_BYTES)
    while remaining is None or remaining > 0:
        chunk = stream.read(READ_CHUNK if remaining is None else min(READ_CHUNK, remaining))
        if not chunk:
            break
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk
    yield None  # tells the decoder the body ended


def replace_body(environ: dict[str, Any], form: PostForm) -> None:
    """moto reads a body made of the checked fields and the file, nothing else."""
    boundary = f"voiceclone-checked-{uuid.uuid4().hex}"
    body = tempfile.SpooledTemporaryFile(SPOOL_BYTES)  # noqa: SIM115 - the request's input from now on
    for lower, text in form.fields.items():
        body.write(_part_head(boundary, form.names[lower]) + b"\r\n" + text.encode("utf-8") + b"\r\n")
    file_head = _part_head(boundary, "file", form.file_name)
    if form.file_content_type:
        file_head += f"Content-Type: {form.file_content_type}\r\n".encode()
    body.write(file_head + b"\r\n")
    assert form.file_data is not None
    with form.file_data:
        while chunk := form.file_data.read(READ_CHUNK):
            body.write(chunk)
    body.write(f"\r\n--{boundary}--\r\n".encode())
    size = body.tell()
    body.seek(0)
    environ["wsgi.input"] = body
    environ["CONTENT_LENGTH"] = str(size)
    environ["CONTENT_TYPE"] = f"multipart/form-data; boundary={boundary}"
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = False


def _part_head(boundary: str, name: str, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{_quoted(name)}"'
    if filename is not None:
        disposition += f'; filename="{_quoted(filename)}"'
    return f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
