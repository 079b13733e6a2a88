"""End to end in a real browser: Debian's headless Chromium driven by Playwright.

Two moderators work the same queue in two browser contexts: the keyboard decides (the cursor then sits on the
next comment), Esc leaves the reason menu, `?` shows the shortcuts, `/` searches, `q` switches queues; a comment
one decides leaves the other's page and counts without a reload; Arabic is laid out right to left; the CMS
callback receives each decision, signed. A screenshot of each page is written under var/screenshots/ on every
run; `make screenshots` copies the chosen ones into docs/ on purpose.
"""

import hashlib
import hmac
import json
import os
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
SCREENSHOTS = ROOT / "var" / "screenshots"
# The live poll runs every few seconds (webhook.review.views.LIVE_POLL_SECONDS): a colleague's decision shows
# within one poll, and this leaves room for a slow machine.
LIVE_WAIT_MS = 15_000

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                reason="Debian's chromium is not installed (.ci/run installs it)")


def add_user(env, name, role="moderator"):
    add = subprocess.run([sys.executable, "-m", "webhook", "users", "add", name, "--role", role, "--password-stdin"],
                         cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)
    assert add.returncode == 0, add.stderr


def app_env(settings, tmp_path):
    """The environment of the CLI, on the same store as gunicorn(settings, tmp_path)."""
    return dict(os.environ, MODEL_DIR=str(settings.model_dir), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")


def hold(base, comment_id, text, **fields):
    """Send a comment that the model holds for review."""
    r = requests.post(base + "/v1/moderate", json={"id": comment_id, "text": text, **fields}, timeout=30)
    assert r.json()["decision"] == "review", r.json()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])


def signed_in_page(browser, base, name, screenshot=None):
    """A new browser context (its own cookies: one moderator) signed in as `name`, on the queue."""
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(base + "/review/")
    assert "/review/login" in page.url
    if screenshot:
        shot(page, screenshot)
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("nav[aria-label=queues]")
    return page


def shot(page, name):
    """A full-page screenshot under var/screenshots/ (never into docs/: `make screenshots` does that)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def shown_ids(page):
    return page.eval_on_selector_all("#queue tbody tr input[name=ids]", "boxes => boxes.map(b => b.getAttribute("
                                     "'aria-label').replace('select ', ''))")


def cursor(page):
    return page.eval_on_selector("#queue tbody tr.current input[name=ids]",
                                 "b => b.getAttribute('aria-label').replace('select ', '')")


def count(page, queue="all"):
    return page.inner_text(f'nav a[data-queue="{queue}"] .count')


def decide_and_wait(page, keys, gone_id):
    """Press `keys` on the queue and wait for the page that comes back without `gone_id`."""
    with page.expect_navigation():
        for key in keys:
            page.keyboard.press(key)
    page.wait_for_selector("#queue tbody tr.current")
    assert gone_id not in shown_ids(page)


def test_moderator_works_the_queue_in_a_browser(settings, tmp_path):
    from playwright.sync_api import sync_playwright

    cms = FakeCMS()
    env = app_env(settings, tmp_path)
    add_user(env, "nadia")
    add_user(env, "karim")
    add_user(env, "chef", "admin")
    try:
        with gunicorn(settings, tmp_path, CMS_CALLBACK_URL=cms.url, CMS_CALLBACK_SECRET=SECRET,
                      ALLOW_UNAUTHENTICATED_LOOPBACK="1") as base:
            held = ["Espèce d imbécile, tu n as rien compris à cet article.",
                    "Pauvre crétin, retourne à l école.",
                    "TU ES UN MENTEUR ET UN HYPOCRITE NOTOIRE",
                    "أنت غبي جدا ولا تفهم شيئا",
                    "Bande d abrutis, vous ne savez même pas lire un article."]
            for i, text in enumerate(held):
                hold(base, f"e2e-{i}", text, author={"id": f"reader-{i}"}, story={"id": "alep-1"})
            with sync_playwright() as p:
                browser = launch(p)
                nadia = signed_in_page(browser, base, "nadia", screenshot="login")
                karim = signed_in_page(browser, base, "karim")
                assert shown_ids(nadia) == shown_ids(karim) == [f"e2e-{i}" for i in range(5)]
                assert cursor(nadia) == "e2e-0" and count(karim) == "5"
                shot(nadia, "queue")

                # Arabic is laid out right to left, French left to right.
                directions = nadia.eval_on_selector_all(
                    "#queue tbody td.text", "cells => cells.map(c => getComputedStyle(c).direction)")
                assert directions == ["ltr", "ltr", "ltr", "rtl", "ltr"]

                # Karim's page must change without a reload: a reload would drop this mark.
                karim.evaluate("window.notReloaded = true")

                # After a decision the cursor is on the next comment, not back on the first.
                nadia.keyboard.press("j")
                assert cursor(nadia) == "e2e-1"
                decide_and_wait(nadia, ["a"], "e2e-1")
                assert cursor(nadia) == "e2e-2"

                # The comment Nadia decided leaves Karim's page, and his counts follow.
                karim.wait_for_function("!document.querySelector('input[aria-label=\"select e2e-1\"]')",
                                        timeout=LIVE_WAIT_MS)
                karim.wait_for_function("document.querySelector('nav a[data-queue=all] .count').textContent === '4'",
                                        timeout=LIVE_WAIT_MS)
                assert karim.evaluate("window.notReloaded") is True
                assert shown_ids(karim) == ["e2e-0", "e2e-2", "e2e-3", "e2e-4"]

                # r opens the reason menu; Esc leaves it and gives j/k back; nothing was decided.
                nadia.keyboard.press("r")
                assert nadia.evaluate("document.activeElement.tagName") == "SELECT"
                nadia.keyboard.press("Escape")
                nadia.keyboard.press("j")
                assert cursor(nadia) == "e2e-3"
                nadia.keyboard.press("k")
                assert cursor(nadia) == "e2e-2" and len(shown_ids(nadia)) == 4
                decide_and_wait(nadia, ["r", "2"], "e2e-2")  # reason 2: ABUSIVE
                assert cursor(nadia) == "e2e-3"
                assert "Décision enregistrée" in nadia.content()
                karim.wait_for_function("!document.querySelector('input[aria-label=\"select e2e-2\"]')",
                                        timeout=LIVE_WAIT_MS)
                assert karim.evaluate("window.notReloaded") is True

                # ? shows every shortcut; Esc closes it.
                nadia.keyboard.press("?")
                help_box = nadia.locator("#help")
                assert help_box.is_visible()
                keys = set(help_box.locator("kbd").all_inner_texts())
                assert {"j", "k", "a", "r", "1", "6", "Esc", "x", "Enter", "/", "q", "Q", "?"} <= keys
                shot(nadia, "shortcuts")
                nadia.keyboard.press("Escape")
                assert not help_box.is_visible()

                # Karim opens the Arabic comment: right to left there too; Nadia decides it meanwhile.
                karim.click('a.open:has-text("غبي")')
                karim.wait_for_selector("#comment-text")
                assert karim.eval_on_selector("#comment-text", "p => getComputedStyle(p).direction") == "rtl"
                assert karim.inner_text('nav a[data-queue="all"] .count') == "3"  # counts on the comment page
                shot(karim, "comment")
                decide_and_wait(nadia, ["a"], "e2e-3")
                assert cursor(nadia) == "e2e-4"
                karim.wait_for_selector("#gone", state="visible", timeout=LIVE_WAIT_MS)
                assert karim.locator("#decide button").first.is_disabled()

                # / searches on the server; q switches to the next queue.
                nadia.keyboard.press("/")
                assert nadia.evaluate("document.activeElement.id") == "search"
                nadia.keyboard.type("abrutis")
                with nadia.expect_navigation():
                    nadia.keyboard.press("Enter")
                assert shown_ids(nadia) == ["e2e-4"]
                nadia.keyboard.press("Escape")  # out of the search box
                with nadia.expect_navigation():
                    nadia.keyboard.press("q")
                assert "queue=dehumanising" in nadia.url

                nadia.goto(base + "/review/dashboard")
                shot(nadia, "dashboard")
                nadia.goto(base + "/review/comment/999999")
                assert "Erreur 404" in nadia.content()
                shot(nadia, "error-404")
                chef = signed_in_page(browser, base, "chef")
                chef.goto(base + "/review/audit")
                shot(chef, "audit")
                browser.close()

            deadline = time.time() + 30
            while len(cms.received) < 3 and time.time() < deadline:
                time.sleep(0.3)
    finally:
        cms.close()
    payloads = [json.loads(body) for body, _ in cms.received]
    assert [(p["id"], p["decision"], p["reason"]) for p in payloads] == [
        ("e2e-1", "approve", None), ("e2e-2", "reject", "ABUSIVE"), ("e2e-3", "approve", None)]
    for body, signature in cms.received:
        assert signature == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


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
