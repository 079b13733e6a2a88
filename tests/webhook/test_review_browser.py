"""End to end in a real browser: Debian's headless Chromium driven by Playwright.

A moderator signs in, opens the queue, approves one comment with the keyboard
and rejects another with a reason; the CMS callback receives both, signed.
The queue page's screenshot is saved to docs/review-queue.png for the README.
"""

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.webhook.servers import ROOT, FakeCMS, gunicorn

CHROMIUM = "/usr/bin/chromium"
SECRET = "e2e-callback-secret"
PASSWORD = "a long e2e password"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                reason="Debian's chromium is not installed (.ci/run installs it)")


def test_moderator_works_the_queue_in_a_browser(settings, tmp_path):
    from playwright.sync_api import sync_playwright

    cms = FakeCMS()
    env = dict(os.environ, MODEL_DIR=str(settings.model_dir), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    add = subprocess.run([sys.executable, "-m", "webhook", "users", "add", "nadia", "--password-stdin"],
                         cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert add.returncode == 0, add.stderr
    try:
        with gunicorn(settings, tmp_path, CMS_CALLBACK_URL=cms.url, CMS_CALLBACK_SECRET=SECRET,
                      ALLOW_UNAUTHENTICATED_LOOPBACK="1") as base:
            held = ["Espèce d imbécile, tu n as rien compris à cet article.",
                    "Pauvre crétin, retourne à l école.",
                    "TU ES UN MENTEUR ET UN HYPOCRITE NOTOIRE"]
            for i, text in enumerate(held):
                r = requests.post(base + "/v1/moderate", json={"id": f"e2e-{i}", "text": text,
                                                               "story": {"id": "alep-1"}}, timeout=10)
                assert r.json()["decision"] == "review"
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run"])
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(base + "/review/")
                assert "/review/login" in page.url
                page.fill("input[name=name]", "nadia")
                page.fill("input[name=password]", PASSWORD)
                page.keyboard.press("Enter")
                page.wait_for_selector("#queue tbody tr")
                assert page.locator("#queue tbody tr").count() == 3
                page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)

                page.keyboard.press("a")  # approve the first (oldest) comment
                page.wait_for_load_state("load")
                page.wait_for_function("document.querySelectorAll('#queue tbody tr').length === 2")
                page.keyboard.press("j")
                page.keyboard.press("r")
                page.keyboard.press("2")  # reject the second remaining with reason 2, ABUSIVE
                page.wait_for_function("document.querySelectorAll('#queue tbody tr').length === 1")
                assert "Décision enregistrée" in page.content()
                browser.close()

            deadline = time.time() + 30
            while len(cms.received) < 2 and time.time() < deadline:
                time.sleep(0.3)
    finally:
        cms.close()
    payloads = [json.loads(body) for body, _ in cms.received]
    assert [(p["id"], p["decision"], p["reason"]) for p in payloads] == [
        ("e2e-0", "approve", None), ("e2e-2", "reject", "ABUSIVE")]
    for body, signature in cms.received:
        assert signature == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    shutil.copy(tmp_path / "queue.png", ROOT / "docs" / "review-queue.png")
