"""Where documents go: S3 (default) or a signed HTTPS webhook, behind one small interface.

The S3 target refuses to go backwards: its writes are conditional (If-Match / If-None-Match) on
an object whose stored revision is older. The webhook pushes the same objects and cannot know
what the site holds: it carries the revision (and an Idempotency-Key) so that the consumer can
ignore older ones, and builds the feed in the bucket as well, as its mirror."""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from ..platform import config
from ..platform.instruments import WMO
from ..platform.logs import logger
from ..questionnaire import privacy
from . import document as feed
from . import figures, paths

CACHE_CONTROL = "public, max-age=60, must-revalidate"


class Rejected(Exception):
    """The target refused an object (webhook 4xx): retrying at once will not help. The
    forwarder queues it as a refusal (alarmed) instead of blocking the stream, and leaves the
    scope unrecorded, so the reconciler offers it again and `replay` can push it at once."""

    def __init__(self, status: int, path: str) -> None:
        super().__init__(f"webhook answered {status} for {path}")
        self.status, self.path = status, path


class Target(Protocol):
    """What the forwarder writes to, one batch at a time: each changed municipality's own
    objects first, then the objects they share (cycle index, national figures, root index)
    once for all of them."""

    def held(self, cycle: int, municipalities: list[str],
             instrument: str = WMO) -> dict[str, int]:
        """{code: the revision the target holds completely for that scope (every object of it,
        the shared entries included; of this instrument), 0 when something is missing}."""

    def publish_document(self, document: dict[str, Any], report_html: str) -> bool:
        """Stores the scope's own objects of the document's revision (document, report) that
        the target does not hold yet; False when it held them all. Raises on a failure worth
        retrying."""

    def publish_shared(self, documents: list[dict[str, Any]]) -> bool:
        """Brings the shared objects up to these documents (all of one batch, already stored
        with publish_document), each shared object written once; False when nothing changed."""

    def contributions(self, instrument: str, cycle: int) -> dict[str, Any]:
        """{code: contribution} the national figures of the cycle are made of now."""


class MissingSdkFeature(RuntimeError):
    """The botocore on the path cannot make the requests this module depends on."""


def require_conditional_writes(client: Any) -> None:
    """Conditional overwrites (put_object(IfMatch=...)) arrived in botocore 1.35.69; an older one
    rejects every such write as an unknown parameter. The package ships a pinned botocore
    (requirements.txt); this stops a forwarder that somehow runs another (the runtime's, a
    layer's) before it writes anything, with an error that names what is missing."""
    members = client.meta.service_model.operation_model("PutObject").input_shape.members
    if "IfMatch" not in members or "IfNoneMatch" not in members:
        import botocore

        raise MissingSdkFeature(
            f"botocore {botocore.__version__} (from {botocore.__file__}) cannot make conditional "
            "S3 writes (put_object IfMatch/IfNoneMatch, botocore >= 1.35.69): the publication "
            "would fail on every write. Deploy the package with the botocore pinned in "
            "requirements.txt (./dev package).")


@lru_cache(maxsize=1)
def _s3() -> Any:
    import boto3

    client = boto3.client("s3")
    require_conditional_writes(client)
    return client


def _is_precondition_failure(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code in ("PreconditionFailed", "412", "ConditionalRequestConflict")


def _is_missing(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code in ("404", "NoSuchKey", "NotFound")


class S3Target:
    """Every object of a revision is written only if the object holds an older one, each
    checked on its own: a retry after a failure between any two writes completes the rest
    instead of stopping at the first object that is already there. A municipality's document
    and report carry their revision in the object's metadata, so checking them is a HEAD; the
    shared objects are read once per batch and merged once per batch."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self._defined: set[tuple[str, int]] = set()  # definitions written by this instance

    def _current(self, key: str) -> tuple[dict[str, Any] | None, str | None]:
        try:
            found = _s3().get_object(Bucket=self.bucket, Key=key)
        except _s3().exceptions.NoSuchKey:
            return None, None
        return json.loads(found["Body"].read()), found["ETag"]

    def read(self, key: str) -> bytes | None:
        """An object's bytes as stored, or None."""
        try:
            return bytes(_s3().get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except _s3().exceptions.NoSuchKey:
            return None

    def _revision(self, key: str) -> tuple[int | None, str | None]:
        """(revision, ETag) of a municipality's document or report from its metadata (a HEAD);
        a document without it (written by hand, restored from elsewhere) is read instead, a
        report without it counts as revision 0. (None, None) when there is no object."""
        try:
            head = _s3().head_object(Bucket=self.bucket, Key=key)
        except _s3().exceptions.ClientError as error:
            if _is_missing(error):
                return None, None
            raise
        revision = head.get("Metadata", {}).get("revision")
        if revision is not None:
            return int(revision), head["ETag"]
        if key.endswith(".json"):
            current, etag = self._current(key)
            return (None if current is None else int(current.get("revision", 0))), etag
        return 0, head["ETag"]

    def _put(self, key: str, body: bytes, content_type: str, etag: str | None,
             revision: int | None = None) -> None:
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        extra = {"Metadata": {"revision": str(revision)}} if revision is not None else {}
        _s3().put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type,
                         CacheControl=CACHE_CONTROL, **condition, **extra)

    def _replace_if_older(self, key: str, revision: int, body: bytes,
                          content_type: str) -> bool:
        """Writes `body` unless the object already holds `revision` or newer; optimistic on
        the ETag so that a concurrent newer write always wins."""
        for _ in range(5):
            held, etag = self._revision(key)
            if held is not None and held >= revision:
                return False
            try:
                self._put(key, body, content_type, etag, revision)
                return True
            except Exception as error:
                if not _is_precondition_failure(error):
                    raise
        raise RuntimeError(f"{key}: kept losing the race")

    def publish_document(self, document: dict[str, Any], report_html: str) -> bool:
        instrument, cycle = document["instrument"], document["cycle"]
        code, revision = document["municipality"]["code"], document["revision"]
        # the definitions first (once per instance), so that every reference resolves
        written = self._define(instrument, cycle)
        written |= self._replace_if_older(
            paths.document(instrument, cycle, code), revision,
            json.dumps(document, ensure_ascii=False, indent=1).encode(),
            "application/json; charset=utf-8")
        written |= self._replace_if_older(
            paths.report(instrument, cycle, code), revision, report_html.encode(),
            "text/html; charset=utf-8")
        return written

    def publish_shared(self, documents: list[dict[str, Any]]) -> bool:
        written = False
        by_cycle: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for document in documents:
            by_cycle.setdefault((document["instrument"], document["cycle"]), []).append(document)
        for (instrument, cycle), group in sorted(by_cycle.items()):
            written |= self._update_index(instrument, cycle, group)
            written |= self._update_national(instrument, cycle, group)
            written |= self._update_root(instrument, cycle)
        return written

    def publish(self, document: dict[str, Any], report_html: str) -> bool:
        """One document and its shared objects, as one publish: for scripts and tests."""
        written = self.publish_document(document, report_html)
        return self.publish_shared([document]) or written

    def _define(self, instrument: str, cycle: int) -> bool:
        if (instrument, cycle) in self._defined:
            return False
        written = False
        for version, definition in feed.definitions(instrument, cycle).items():
            written |= self._create(paths.questionnaire(instrument, cycle, version),
                                    json.dumps(definition, ensure_ascii=False, indent=1).encode())
        self._defined.add((instrument, cycle))
        return written

    def _create(self, key: str, body: bytes) -> bool:
        """Writes an object that never changes once there (a definition version)."""
        try:
            self._put(key, body, "application/json; charset=utf-8", None)
            return True
        except Exception as error:
            if _is_precondition_failure(error):
                return False
            raise

    def contributions(self, instrument: str, cycle: int) -> dict[str, Any]:
        national, _ = self._current(paths.national(instrument, cycle))
        return dict((national or {}).get("contributions", {}))

    def held(self, cycle: int, municipalities: list[str],
             instrument: str = WMO) -> dict[str, int]:
        """The shared objects read once; each municipality's document and report a HEAD each,
        only where its index entry and national contribution are current already."""
        root, _ = self._current(paths.ROOT_INDEX)
        if str(cycle) not in ((root or {}).get("instruments", {}).get(instrument, {})
                              .get("cycles", {})):
            return dict.fromkeys(municipalities, 0)
        index, _ = self._current(paths.cycle_index(instrument, cycle))
        national, _ = self._current(paths.national(instrument, cycle))
        entries = (index or {}).get("municipalities", {})
        counted = (national or {}).get("contributions", {})
        result = {}
        for code in municipalities:
            shared = [entries.get(code, {}).get("revision"), counted.get(code, {}).get("revision")]
            if None in shared:
                result[code] = 0
                continue
            own = [self._revision(paths.document(instrument, cycle, code))[0],
                   self._revision(paths.report(instrument, cycle, code))[0]]
            result[code] = min(r or 0 for r in shared + own)
        return result

    def holds(self, municipality: str, cycle: int, revision: int,
              instrument: str = WMO) -> bool:
        """True when every object of this scope carries `revision` or a newer one."""
        return self.held(cycle, [municipality], instrument)[municipality] >= revision

    def _merge(self, key: str, change: Any, sort_keys: bool = True) -> bool:
        """Read, change, write on the ETag, until no concurrent writer came between: how the
        shared indexes are merged. `change` returns the new content, or None to leave it."""
        for attempt in range(25):
            if attempt:
                time.sleep(random.uniform(0, 0.02 * attempt))  # spread competing writers
            current, etag = self._current(key)
            changed = change(current)
            if changed is None:
                return False
            try:
                self._put(key, json.dumps(changed, ensure_ascii=False,
                                          sort_keys=sort_keys).encode(),
                          "application/json; charset=utf-8", etag)
                return True
            except Exception as error:
                if not _is_precondition_failure(error):
                    raise
        raise RuntimeError(f"{key}: kept losing the race")

    def _update_index(self, instrument: str, cycle: int,
                      documents: list[dict[str, Any]]) -> bool:
        """<instrument>/<cycle>/index.json: every municipality's revision, status and paths;
        the entries of a whole batch merged in one write."""

        def change(index: dict[str, Any] | None) -> dict[str, Any] | None:
            index = index or {"instrument": instrument, "cycle": cycle, "municipalities": {}}
            changed = False
            for document in documents:
                code = document["municipality"]["code"]
                entry = index["municipalities"].get(code)
                if entry is not None and entry["revision"] >= document["revision"]:
                    continue
                index["municipalities"][code] = feed.index_entry(document)
                index["generated_at"] = max(index.get("generated_at", ""),
                                            document["generated_at"])
                changed = True
            return index if changed else None

        return self._merge(paths.cycle_index(instrument, cycle), change)

    def _update_national(self, instrument: str, cycle: int,
                         documents: list[dict[str, Any]]) -> bool:
        """<instrument>/<cycle>/national.json: the batch's contributions merged in, the
        national figures recomputed once from all contributions."""

        def change(national: dict[str, Any] | None) -> dict[str, Any] | None:
            national = national or {"contributions": {}}
            changed = [d for d in documents
                       if national["contributions"].get(d["municipality"]["code"], {})
                       .get("revision", -1) < d["revision"]]
            if not changed:
                return None
            for document in changed:
                national["contributions"][document["municipality"]["code"]] = \
                    figures.contribution(document)
            return {"$schema": figures.SCHEMA_ID, "instrument": instrument, "cycle": cycle,
                    "generated_at": max(d["generated_at"] for d in changed),
                    "method": figures.METHOD,
                    "privacy_minimum_valid_answers": privacy.minimum_valid_answers(),
                    "questions": figures.totals(instrument, cycle, national["contributions"]),
                    "contributions": national["contributions"]}

        # not sorted: the questions keep the questionnaire's order (q2 before q10)
        return self._merge(paths.national(instrument, cycle), change, sort_keys=False)

    def _update_root(self, instrument: str, cycle: int) -> bool:
        """index.json at the root: the instruments and cycles there are, with their paths."""
        wanted = feed.root_entry(instrument, cycle)

        def change(root: dict[str, Any] | None) -> dict[str, Any] | None:
            root = root or {"instruments": {}}
            cycles = root["instruments"].setdefault(instrument, {"cycles": {}})["cycles"]
            if cycles.get(str(cycle)) == wanted:
                return None
            cycles[str(cycle)] = wanted
            root["generated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            return root

        return self._merge(paths.ROOT_INDEX, change)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex; consumers recompute it (docs/feed.md)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                    hashlib.sha256).hexdigest()


class WebhookTarget:
    """The feed pushed to the site: every object the S3 target writes (definitions, document,
    report, cycle index, national figures, root index) is POSTed to one URL, signed, with its
    feed path (`X-CEO-Path`) and kind (`X-CEO-Kind`), in the same order and as often: the
    shared objects once per batch. The feed is also built in the bucket, as the mirror that
    gives the shared objects their merged content (the site's own state cannot be read) and
    the reconciler something to compare. The site cannot be asked what it holds, so every
    publish POSTs again (the Idempotency-Key lets the site skip what it has)."""

    def __init__(self, url: str, secrets: str | tuple[str, ...], mirror: S3Target,
                 timeout: float = 10.0) -> None:
        self.secrets = (secrets,) if isinstance(secrets, str) else secrets
        self.url, self.mirror, self.timeout = url, mirror, timeout
        self._defined: set[tuple[str, int]] = set()

    def _post(self, kind: str, path: str, body: bytes, content_type: str, key: str,
              revision: int | None = None) -> None:
        timestamp = str(int(time.time()))
        headers = {"Content-Type": content_type, "X-CEO-Timestamp": timestamp,
                   "X-CEO-Signature": ", ".join(f"sha256={sign(secret, timestamp, body)}"
                                                for secret in self.secrets),
                   "Idempotency-Key": key, "X-CEO-Kind": kind, "X-CEO-Path": path}
        if revision is not None:
            headers["X-CEO-Revision"] = str(revision)
        request = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500:
                raise Rejected(error.code, path) from error
            raise  # 5xx: retried

    def _post_json(self, kind: str, path: str, body: bytes) -> None:
        """A shared object: its key changes with its content."""
        self._post(kind, path, body, "application/json; charset=utf-8",
                   f"{path}#{hashlib.sha256(body).hexdigest()[:16]}")

    def contributions(self, instrument: str, cycle: int) -> dict[str, Any]:
        return self.mirror.contributions(instrument, cycle)  # the bucket holds the same feed

    def publish_document(self, document: dict[str, Any], report_html: str) -> bool:
        instrument, cycle = document["instrument"], document["cycle"]
        code, revision = document["municipality"]["code"], document["revision"]
        self.mirror.publish_document(document, report_html)
        if (instrument, cycle) not in self._defined:
            for version, definition in feed.definitions(instrument, cycle).items():
                self._post_json("questionnaire", paths.questionnaire(instrument, cycle, version),
                                json.dumps(definition, ensure_ascii=False, indent=1).encode())
            self._defined.add((instrument, cycle))
        key = f"{code}-{cycle}-r{revision}"
        self._post("document", paths.document(instrument, cycle, code),
                   json.dumps(document, ensure_ascii=False).encode(),
                   "application/json; charset=utf-8", key, revision)
        self._post("report", paths.report(instrument, cycle, code), report_html.encode(),
                   "text/html; charset=utf-8", f"{key}-report", revision)
        return True

    def publish_shared(self, documents: list[dict[str, Any]]) -> bool:
        self.mirror.publish_shared(documents)
        cycles = sorted({(d["instrument"], d["cycle"]) for d in documents})
        for instrument, cycle in cycles:
            for kind, path in (("cycle-index", paths.cycle_index(instrument, cycle)),
                               ("national", paths.national(instrument, cycle))):
                self._post_json(kind, path, self.mirror.read(path) or b"{}")
        if cycles:
            self._post_json("root-index", paths.ROOT_INDEX,
                            self.mirror.read(paths.ROOT_INDEX) or b"{}")
        return bool(cycles)

    def held(self, cycle: int, municipalities: list[str],
             instrument: str = WMO) -> dict[str, int]:
        """What the mirror holds: a scope the mirror lacks is pushed again. Whether the site
        took it, only the forwarder's record says (recorded after every POST succeeded)."""
        return self.mirror.held(cycle, municipalities, instrument)


def configured() -> Target:
    kind = config.env("PUBLICATION_TARGET", "s3")
    bucket = S3Target(config.env("PUBLICATION_BUCKET", "ceo-local-publication-123456789012"))
    if kind == "webhook":
        return WebhookTarget(config.env("WEBHOOK_URL"), _webhook_secrets(), mirror=bucket)
    return bucket


def _webhook_secrets() -> tuple[str, ...]:
    try:
        return config.webhook_secrets()
    except RuntimeError:
        logger.error("webhook secret missing")
        raise
