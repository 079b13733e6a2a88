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


def test_moderator_overturns_a_rejection_acts_on_the_author_and_keeps_notes(settings, tmp_path):
    """Overturn of an automatic rejection and "always hold this author" reach the CMS (signed, each with its
    delivery id); notes on the comment and the author are kept; the author's next civil comment is held."""
    from playwright.sync_api import sync_playwright

    cms = FakeCMS()
    shots = ROOT / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MODEL_DIR=str(settings.model_dir), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    add = subprocess.run([sys.executable, "-m", "webhook", "users", "add", "nadia", "--password-stdin"],
                         cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert add.returncode == 0, add.stderr
    author = {"id": "k-7", "name": "Karim H."}
    try:
        with gunicorn(settings, tmp_path, CMS_CALLBACK_URL=cms.url, CMS_CALLBACK_SECRET=SECRET,
                      ALLOW_UNAUTHENTICATED_LOOPBACK="1") as base:
            r = requests.post(base + "/v1/moderate", json={
                "id": "auto-1", "text": "Ces rats wahabites 🐀 doivent être éradiqués d'Alep.", "author": author,
                "story": {"id": "alep-1"}}, timeout=10)
            assert r.json()["decision"] == "reject"
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run"])
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(base + "/review/login")
                page.fill("input[name=name]", "nadia")
                page.fill("input[name=password]", PASSWORD)
                page.keyboard.press("Enter")
                page.wait_for_url("**/review/**")

                page.click("text=Rejetés")
                page.wait_for_selector("#decided tbody tr")
                assert "Karim H." in page.inner_text("#decided")
                page.screenshot(path=str(shots / "decided-rejected.png"), full_page=True)
                page.click("#decided form.overturn button")  # "Approuver quand même"
                page.wait_for_selector(".flash.ok")
                assert "Décision enregistrée" in page.inner_text(".flash.ok")
                assert page.locator("#decided tbody tr").count() == 0

                page.click("text=Approuvés")
                page.click("#decided a.author")
                page.wait_for_selector("#author-status")
                page.click("button[name=action][value=hold]")  # "Toujours retenir cet auteur"
                page.wait_for_selector(".flash.ok")
                assert "toujours retenu" in page.inner_text("#author-status")
                page.fill("form.note textarea", "Averti le 3 mars, récidive.")
                page.click("form.note button")
                page.wait_for_selector("text=Note enregistrée.")
                assert page.input_value("form.note textarea") == "Averti le 3 mars, récidive."
                page.screenshot(path=str(shots / "author.png"), full_page=True)

                page.click("#author-comments a")
                page.fill("form.note textarea", "Approuvé : citation d'un tract, pas une attaque.")
                page.click("form.note button")
                page.wait_for_selector("text=Note enregistrée.")
                assert "citation d'un tract" in page.input_value("form.note textarea")
                browser.close()

            civil = requests.post(base + "/v1/moderate", json={
                "id": "later-1", "text": "Pensées pour les familles d'Alep, que la trêve tienne.", "author": author},
                timeout=10).json()
            assert civil["decision"] == "review" and "author_held" in civil["reasons"]
            deadline = time.time() + 30
            while len(cms.received) < 2 and time.time() < deadline:
                time.sleep(0.3)
    finally:
        cms.close()
    payloads = [json.loads(body) for body, _ in cms.received]
    assert [(p.get("event"), p.get("id"), p.get("decision")) for p in payloads] == [
        (None, "auto-1", "approve"), ("author.hold", None, None)]
    assert payloads[0]["overturns"] == "reject" and payloads[1]["author"] == author
    assert len({p["delivery_id"] for p in payloads}) == 2
    for body, signature in cms.received:
        assert signature == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
