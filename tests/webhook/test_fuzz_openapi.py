"""schemathesis against the service's own /openapi.json: every endpoint, generated requests.

Checks: no 5xx, status codes and response bodies as documented, no request over 2 s.
"""

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from webhook.openapi import document

OPERATIONS = [(path, method) for path, ops in document()["paths"].items() for method in ops]


@pytest.fixture(scope="module")
def schema(settings, moderator, tmp_path_factory):
    import dataclasses

    from webhook import create_app

    tmp = tmp_path_factory.mktemp("fuzz")
    app = create_app(dataclasses.replace(settings, database_url=f"sqlite:///{tmp / 'db.sqlite'}",
                                         journal_dir=tmp / "journal", allow_unauthenticated_loopback=True),
                     moderator=moderator, background=False)
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_every_endpoint_answers_as_documented(schema, path, method):
    operation = schema[path][method.upper()]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        started = time.perf_counter()
        response = case.call()
        assert time.perf_counter() - started < 2.0, "request took over 2 s"
        case.validate_response(response)

    check()
