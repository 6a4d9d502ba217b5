"""The local feed over HTTP, for site developers (`./dev run` starts it): the publication
bucket in moto served at http://127.0.0.1:8010/<key> (the app's port + 10), with the headers
the deployed feed gives a browser: the bucket's CORS rules from infra/resources.yaml (any
origin may read; ETag, Last-Modified and the revision exposed), CloudFront's SimpleCORS
(Allow-Origin also without an Origin header) and each document's own Cache-Control. A
conditional GET (If-None-Match) answers 304, as CloudFront does. Development only."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
from botocore.exceptions import ClientError


def cors_rule() -> dict[str, Any]:
    """The publication bucket's (first) CORS rule, from the template deployment uses."""
    from devtools.aws_resources import RESOURCES
    from devtools.package import load_yaml

    properties = load_yaml(RESOURCES)["Resources"]["PublicationBucket"]["Properties"]
    return dict(properties["CorsConfiguration"]["CorsRules"][0])


def _handler(bucket: str, region: str) -> type[BaseHTTPRequestHandler]:
    rule = cors_rule()
    s3 = boto3.client("s3", region_name=region)

    class FeedHandler(BaseHTTPRequestHandler):
        server_version = "ceo-local-feed"

        def log_message(self, format: str, *args: Any) -> None:  # quiet, as the app's log
            return

        def _cors(self) -> None:
            origins = rule.get("AllowedOrigins", ["*"])
            self.send_header("Access-Control-Allow-Origin",
                             "*" if "*" in origins else self.headers.get("Origin", ""))
            self.send_header("Access-Control-Expose-Headers",
                             ", ".join(rule.get("ExposedHeaders", [])))

        def do_OPTIONS(self) -> None:  # the preflight
            self.send_response(200)
            self._cors()
            self.send_header("Access-Control-Allow-Methods",
                             ", ".join(rule.get("AllowedMethods", [])))
            asked = self.headers.get("Access-Control-Request-Headers")
            if asked and "*" in rule.get("AllowedHeaders", []):
                self.send_header("Access-Control-Allow-Headers", asked)
            self.send_header("Access-Control-Max-Age", str(rule.get("MaxAge", 0)))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def do_GET(self) -> None:
            self._answer(with_body=True)

        def _answer(self, with_body: bool) -> None:
            key = unquote(urlsplit(self.path).path).lstrip("/") or "index.json"  # the root
            request: dict[str, Any] = {"Bucket": bucket, "Key": key}
            if self.headers.get("If-None-Match"):
                request["IfNoneMatch"] = self.headers["If-None-Match"]
            status = 404
            try:
                found = s3.get_object(**request)
            except ClientError as error:
                status = int(error.response.get("ResponseMetadata", {}).get(
                    "HTTPStatusCode", 500))
                found, status = None, 304 if status == 304 else (
                    404 if status in (403, 404) else 502)
                if status == 304:
                    self.send_response(304)
                    self._cors()
                    self.send_header("ETag", request["IfNoneMatch"])
                    self.end_headers()
                    return
            if found is None:
                body = b"Niet in de lokale feed.\n"
                self.send_response(status)
                self._cors()
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)
                return
            body = found["Body"].read()
            self.send_response(200)
            self._cors()
            self.send_header("Content-Type", found.get("ContentType", "application/json"))
            if found.get("CacheControl"):
                self.send_header("Cache-Control", found["CacheControl"])
            self.send_header("ETag", found["ETag"])
            self.send_header("Last-Modified", self.date_time_string(
                found["LastModified"].timestamp()))
            for name, value in (found.get("Metadata") or {}).items():
                self.send_header(f"x-amz-meta-{name}", value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

    return FeedHandler


class FeedServer:
    """Serves the bucket on a thread until stopped."""

    def __init__(self, host: str, port: int, bucket: str, region: str) -> None:
        self.server = ThreadingHTTPServer((host, port), _handler(bucket, region))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="feed",
                                        daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
