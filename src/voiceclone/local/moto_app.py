"""The WSGI application the local moto server runs: moto's own dispatcher, with S3 requests first checked
as S3 checks presigned ones (s3_guard) and, when a data folder is given, written through to disk
(s3_durability) before they are answered. Other services go to moto untouched.
"""

from __future__ import annotations

from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3.responses import S3Response
from moto.s3.utils import bucket_name_from_url
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from voiceclone.local.s3_durability import WriteThrough
from voiceclone.local.s3_errors import S3Refusal
from voiceclone.local.s3_guard import S3RequestGuard

S3_SERVICE = "s3"


def bucket_of(environ: dict[str, Any]) -> str | None:
    """The bucket an S3 request addresses, path style or virtual-host style, as moto resolves it."""
    request = Request(environ, shallow=True)  # shallow: the body stays unread
    if S3Response.subdomain_based_buckets(request):
        return bucket_name_from_url(request.url)
    return environ.get("PATH_INFO", "").lstrip("/").split("/", 1)[0] or None


class LocalAwsApplication(DomainDispatcherApplication):
    def __init__(self, guard: S3RequestGuard, write_through: WriteThrough | None) -> None:
        super().__init__(create_backend_app)
        self.guard, self.write_through = guard, write_through

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        app = self.get_application(environ)
        if getattr(app, "service", None) != S3_SERVICE:
            return app(environ, start_response)
        try:
            self.guard.check(environ, bucket_of(environ))
        except S3Refusal as refusal:
            return refusal.respond(start_response)
        if self.write_through is None:
            return app(environ, start_response)
        return self.write_through.serve(app, environ, start_response)


class LocalMotoServer(ThreadedMotoServer):
    """moto's ThreadedMotoServer serving LocalAwsApplication instead of the bare dispatcher."""

    def __init__(self, application: LocalAwsApplication, ip_address: str, port: int) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self._application = application

    def _server_entry(self) -> None:
        self._server = make_server(
            self._ip_address, self._port, self._application, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()
