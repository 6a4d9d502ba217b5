"""`./dev feed`: copies the local publication bucket (moto, while `./dev run` is going) to
.local/feed/ so the documents and HTML reports can be opened from disk. The bucket blocks
public access, as in production, so a plain browser URL on moto is refused.

It finds the running `./dev run` by the file that run writes (.local/run.json: its ports and
bucket), also when that run was started on other ports; --moto-port names the port yourself."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
RUN_FILE = ROOT / ".local" / "run.json"  # written by devtools/local.py while it runs
DEFAULT_MOTO_PORT = 5000
DEFAULT_BUCKET = "ceo-local-publication-123456789012"


def running() -> dict | None:
    """What the running `./dev run` wrote about itself; None when none is running."""
    try:
        run = json.loads(RUN_FILE.read_text())
        os.kill(int(run["pid"]), 0)  # still there?
        return run
    except (OSError, ValueError, KeyError, TypeError):
        return None


def main(argv: list[str] | None = None) -> int:
    first, second = __doc__.split("\n\n")[:2]
    parser = argparse.ArgumentParser(description=first, epilog=second,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moto-port", type=int, default=None,
                        help="De poort van moto van de ./dev run die u wilt kopiëren. Zonder "
                             "deze optie gebruikt ./dev feed de poort van de ./dev run die nu "
                             f"draait, en anders {DEFAULT_MOTO_PORT}.")
    parser.add_argument("--bucket", default=None,
                        help="De naam van de publicatie-bucket (standaard die van de ./dev run "
                             f"die nu draait, anders {DEFAULT_BUCKET}).")
    parser.add_argument("--to", type=Path, default=ROOT / ".local" / "feed",
                        help="De map waarin de kopie komt (standaard .local/feed).")
    args = parser.parse_args(argv)
    run = running() or {}
    port = args.moto_port or run.get("moto_port") or DEFAULT_MOTO_PORT
    bucket = args.bucket or run.get("bucket") or DEFAULT_BUCKET
    host = run.get("host", "127.0.0.1") if not args.moto_port else "127.0.0.1"
    s3 = boto3.client("s3", endpoint_url=f"http://{host}:{port}",
                      region_name="eu-central-1", aws_access_key_id="local",
                      aws_secret_access_key="local")
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        listing = [item for page in pages for item in page.get("Contents", [])]
    except Exception as error:
        print(f"Kan de lokale bucket {bucket} op poort {port} niet lezen "
              f"({type(error).__name__}). Draait ./dev run? Gebruik anders --moto-port met de "
              "poort van moto die ./dev run noemde.", file=sys.stderr)
        return 1
    for item in listing:
        target = args.to / item["Key"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
        print(target)
    if not listing:
        print("De bucket is nog leeg: verzend eerst een aanlevering.")
    else:  # the root index says which instruments and cycles there are (docs/feed.md)
        print(f"Gekopieerd van moto op poort {port}. Begin bij {args.to / 'index.json'}; "
              f"rapporten: {args.to / '<instrument>' / '<cycle>' / '<code>.html'}. Een "
              "voorbeeldsite ervan bouwt ./dev site.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
