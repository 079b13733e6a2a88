"""The real peers' code for the contract tests: Coral's response validation (its own external.ts through
real joi, under node) and Google's Perspective client built from the API's discovery document.

They are read from ../shared/peers (other people's files, never copied here); a test skips with a clear
message only where that folder is absent.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT.parent / "shared" / "peers"
CORAL_EXTERNAL = PEERS / "coral" / "external.ts"
DISCOVERY = PEERS / "perspective" / "commentanalyzer.v1alpha1.json"
NODE_DIR = Path(__file__).resolve().parent / "peers"


def need(path):
    if not path.exists():
        pytest.skip(f"{path} is absent: the peers' reference files live in ../shared/peers beside the checkout")


def coral_reads(answers):
    """What Coral 9.11.8 does with each (HTTP status, body text): outcome "no opinion", "accepted" or "failed"."""
    need(CORAL_EXTERNAL)
    node = shutil.which("node")
    assert node, "node is needed to run Coral's schema (Debian's nodejs; .ci/run has it)"
    assert (NODE_DIR / "node_modules" / "joi").is_dir(), \
        f"joi is not installed: run `npm ci --prefix {NODE_DIR}` (make test does it)"
    lines = "".join(json.dumps({"status": s, "text": t}) + "\n" for s, t in answers)
    out = subprocess.run([node, str(NODE_DIR / "coral_validate.js"), str(CORAL_EXTERNAL)], input=lines,
                         capture_output=True, text=True, timeout=60, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def perspective_client(base_url, key):
    """Google's own Perspective client (google-api-python-client) pointed at `base_url`."""
    need(DISCOVERY)
    from google.auth.credentials import AnonymousCredentials
    from googleapiclient import discovery

    # Without a key the client would look for Google credentials on the machine: send none.
    auth = {"developerKey": key} if key else {"credentials": AnonymousCredentials()}
    return discovery.build_from_document(DISCOVERY.read_text(encoding="utf-8"),
                                         client_options={"api_endpoint": base_url.rstrip("/") + "/"}, **auth)
