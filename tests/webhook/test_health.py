"""Health, readiness, metrics, and start-up refusal."""

import pytest

from webhook import StartupError, create_app
from webhook.store import Store

DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["ready"] is True and ready.json["checks"]["store"] is True


def test_readyz_is_false_when_the_store_is_down(app):
    app.extensions["store"] = Store(DOWN)
    r = app.test_client().get("/readyz")
    assert r.status_code == 503 and r.json["checks"] == {"model": True, "store": False, "journal": True}


def test_metrics_count_requests_decisions_and_errors(client):
    client.post("/v1/moderate", json={"id": "m1", "text": "Paix aux civils."})
    client.post("/v1/moderate", data=b"{", content_type="application/json")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'moderation_requests_total{endpoint="/v1/moderate",status="200"} 1.0' in text
    assert 'moderation_decisions_total{decision="approve",source="native"} 1.0' in text
    assert 'moderation_errors_total{kind="http_400"} 1.0' in text
    assert "moderation_request_seconds_bucket" in text


def test_service_refuses_to_start_without_a_model(settings, tmp_path):
    from dataclasses import replace

    with pytest.raises(StartupError, match="no trained model.*python -m classifier train"):
        create_app(replace(settings, model_dir=tmp_path / "none", allow_unauthenticated_loopback=True),
                   migrate=False, background=False)
