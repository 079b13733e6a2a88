"""The OpenAPI document against the code: routes, methods, and real answers."""

import hashlib
import hmac
import json

import jsonschema
import pytest
from openapi_spec_validator import validate

from webhook.openapi import document


@pytest.fixture(scope="module")
def spec():
    doc = document()
    validate(doc)
    return doc


def response_schema(spec, path, method, status="200"):
    schema = spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]} if "$ref" not in schema else \
        {"$ref": schema["$ref"], "components": spec["components"]}


def check(spec, path, method, response):
    schema = response_schema(spec, path, method, str(response.status_code))
    jsonschema.validate(response.json, schema, cls=jsonschema.Draft202012Validator)


def test_every_route_is_documented_and_every_documented_route_exists(app, spec):
    """The machine API; the moderators' HTML pages under /review are not part of it."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and not rule.endpoint.startswith("review."):
            routes[rule.rule] = {m.lower() for m in rule.methods} - {"head", "options"}
    documented = {path: set(ops) for path, ops in spec["paths"].items()}
    assert routes == documented


def test_served_document_is_this_one(client, spec):
    assert client.get("/openapi.json").json == json.loads(json.dumps(spec))


def test_answers_match_their_schemas(client, make_app, spec):
    check(spec, "/v1/moderate", "post", client.post("/v1/moderate", json={"id": "o1", "text": "Ces rats 🐀 dehors"}))
    check(spec, "/v1/moderate", "post", client.post("/v1/moderate", json={"id": "o2"}))
    check(spec, "/v1/moderate", "post", client.post("/v1/moderate", data=b"{", content_type="application/json"))
    check(spec, "/v1/moderate/batch", "post", client.post("/v1/moderate/batch", json={
        "comments": [{"id": 1, "text": "Bonjour"}, {"id": 2, "text": "Bande d'idiots"}]}))
    check(spec, "/v1alpha1/comments:analyze", "post", client.post("/v1alpha1/comments:analyze", json={
        "comment": {"text": "Tu es un idiot. Merci."}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": True}))
    check(spec, "/v1alpha1/comments:analyze", "post", client.post("/v1alpha1/comments:analyze", json={
        "comment": {"text": "x"}, "requestedAttributes": {"NOPE": {}}}))
    coral = make_app(coral_signing_secrets=("s",)).test_client()
    raw = json.dumps({"action": "NEW", "comment": {"body": "Bonjour"}}).encode()
    sig = "sha256=" + hmac.new(b"s", raw, hashlib.sha256).hexdigest()
    check(spec, "/v1/coral/moderate", "post", coral.post("/v1/coral/moderate", data=raw,
                                                          content_type="application/json",
                                                          headers={"X-Coral-Signature": sig}))
    check(spec, "/v1/coral/moderate", "post", coral.post("/v1/coral/moderate", data=raw,
                                                          content_type="application/json"))
