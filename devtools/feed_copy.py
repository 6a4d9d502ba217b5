"""`./dev feed`: copies the local publication bucket (moto, while `./dev run` is going) to
.local/feed/ so the documents and HTML reports can be opened from disk. The bucket blocks
public access, as in production, so a plain browser URL on moto is refused."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moto-port", type=int, default=5000)
    parser.add_argument("--bucket", default="ceo-local-publication-123456789012")
    parser.add_argument("--to", type=Path, default=ROOT / ".local" / "feed")
    args = parser.parse_args(argv)
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{args.moto_port}",
                      region_name="eu-central-1", aws_access_key_id="local",
                      aws_secret_access_key="local")
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=args.bucket)
        listing = [item for page in pages for item in page.get("Contents", [])]
    except Exception as error:
        print(f"Kan de lokale bucket niet lezen ({type(error).__name__}). Draait ./dev run?",
              file=sys.stderr)
        return 1
    for item in listing:
        target = args.to / item["Key"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s3.get_object(Bucket=args.bucket, Key=item["Key"])["Body"].read())
        print(target)
    if not listing:
        print("De bucket is nog leeg: verzend eerst een aanlevering.")
    else:  # the root index says which instruments and cycles there are (docs/feed.md)
        print(f"Begin bij {args.to / 'index.json'}; rapporten: "
              f"{args.to / '<instrument>' / '<cycle>' / '<code>.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
