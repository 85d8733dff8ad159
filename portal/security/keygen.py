"""Fresh secrets for a new installation, as lines of an environment file.

`python -m portal.security.keygen` runs without any configuration (the `flask` commands
need the secrets before they start in production) and prints every secret production needs:

    PORTAL_SECRET_KEY=...  PORTAL_RECEIPT_KEY=...  PORTAL_DATA_KEYS=...  PORTAL_AUDIT_KEY=...

With ``--signing`` it prints an Ed25519 pair for audit checkpoints instead: the public half
goes into the environment, the private half stays with the operator, off the servers.
"""

from __future__ import annotations

import secrets
import sys

from portal.security import checkpoints, crypto, signing


def production_secrets() -> dict[str, str]:
    return {
        "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
        "PORTAL_RECEIPT_KEY": secrets.token_urlsafe(48),
        "PORTAL_DATA_KEYS": crypto.generate_data_key(),
        "PORTAL_AUDIT_KEY": secrets.token_urlsafe(48),
    }


def signing_pair() -> dict[str, str]:
    private, public = checkpoints.generate_signing_key()
    return {"PORTAL_AUDIT_SIGNING_KEY": private, "PORTAL_AUDIT_PUBLIC_KEY": public}


def export_signing_pair() -> dict[str, str]:
    private, public = signing.generate()
    return {"PORTAL_SIGNING_KEY": private, "PORTAL_SIGNING_PUBLIC_KEY": public}


def main(argv: list[str]) -> int:
    if argv not in ([], ["--signing"]):
        print("usage: python -m portal.security.keygen [--signing]", file=sys.stderr)
        return 2
    values = signing_pair() if argv else production_secrets()
    for name, value in values.items():
        print(f"{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
