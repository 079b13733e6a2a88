"""Settings: secrets never reach the start-up banner, in whatever URL form they are given."""

import pytest

from classifier.config import Settings

SECRET = "S3cr3t-Pa55"


@pytest.mark.parametrize("name, url", [
    ("DATABASE_URL", f"postgresql+psycopg://moderation:{SECRET}@db.internal:5432/moderation"),
    ("DATABASE_URL", f"postgresql+psycopg://moderation@db.internal/moderation?password={SECRET}&sslmode=require"),
    ("DATABASE_URL", f"postgresql+psycopg://db.internal/moderation?sslmode=require&PASSWORD={SECRET}"),
    ("DATABASE_URL", f"postgresql+psycopg:///moderation?host=/run/pg&user=m&password={SECRET}"),
    ("CMS_CALLBACK_URL", f"https://user:{SECRET}@cms.example.org/moderation-callback"),
    ("CMS_CALLBACK_URL", f"https://{SECRET}@cms.example.org/moderation-callback"),
    ("CMS_CALLBACK_URL", f"https://cms.example.org/callback?token={SECRET}"),
    ("CMS_CALLBACK_URL", f"https://cms.example.org/callback?access_token={SECRET}#frag"),
    ("CMS_CALLBACK_URL", f"https://cms.example.org/callback?api_key={SECRET}&site=3"),
])
def test_no_secret_in_any_url_setting_reaches_the_banner(name, url):
    shown = Settings.from_env({name: url}).redacted()
    assert SECRET not in repr(shown)
    value = shown[name.lower()]
    assert "***" in value and ("cms.example.org" in value or "moderation" in value)


def test_urls_without_secrets_are_shown_whole():
    url = "https://cms.example.org/callback?site=3"
    assert Settings.from_env({"CMS_CALLBACK_URL": url}).redacted()["cms_callback_url"] == url
    sqlite = Settings().redacted()["database_url"]
    assert sqlite.startswith("sqlite:///") and "***" not in sqlite
