"""Refreshes chalicelib/accounts/data/public-mail-domains.txt from the maintained lists it is
made of: `python -m devtools.public_mail_domains` (needs npm; it fetches the newest releases of
the npm packages free-email-domains and disposable-email-domains, both MIT-licensed, and writes
the file with their versions in its header). Review the diff before committing: a municipality's
own domain must never be in it (tests/accounts/test_trusted_domains.py checks)."""
from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "chalicelib" / "accounts" / "data" / "public-mail-domains.txt"
PACKAGES = {"free-email-domains": "domains.json", "disposable-email-domains": "index.json"}
# Dutch providers the lists lack (this project's own knowledge)
DUTCH = ("caiway.nl", "delta.nl", "freedom.nl", "kabelfoon.nl", "kpnplanet.nl",
         "onsbrabantnet.nl", "tutanota.com", "zeelandnet.nl")
HEADER = """\
# Mail domains anyone can get an address on: free providers and disposable (throwaway) mail.
# Trusting one of these for a municipality would let anyone register at once, so the helpdesk
# cannot (chalicelib/accounts/trusted_domains.py). One domain per line, lower case, sorted.
# Sources, refreshed together by `python -m devtools.public_mail_domains` (see its docstring):
# - free providers: npm free-email-domains {free} (github.com/Kikobeats/free-email-domains,
#   from HubSpot's list), MIT licence, (c) 2017 Kiko Beats;
# - disposable: npm disposable-email-domains {disposable}
#   (github.com/ivolo/disposable-email-domains), MIT licence;
# - Dutch providers the lists lack: {dutch}
#   (this project).
"""


def main() -> int:
    domains: set[str] = set(DUTCH)
    versions: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for package, listing in PACKAGES.items():
            name = subprocess.run(["npm", "pack", package, "--silent"], cwd=scratch, check=True,
                                  capture_output=True, text=True).stdout.strip().splitlines()[-1]
            with tarfile.open(Path(scratch) / name) as archive:
                archive.extractall(Path(scratch) / package, filter="data")
            unpacked = Path(scratch) / package / "package"
            versions[package] = json.loads((unpacked / "package.json").read_text())["version"]
            domains |= {d.strip().lower() for d in json.loads((unpacked / listing).read_text())
                        if "." in d}
    header = HEADER.format(free=versions["free-email-domains"],
                           disposable=versions["disposable-email-domains"],
                           dutch=", ".join(DUTCH[:4]) + ",\n#   " + ", ".join(DUTCH[4:]))
    TARGET.write_text(header + "\n".join(sorted(domains)) + "\n", encoding="utf-8")
    print(f"{len(domains)} domains written to {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
