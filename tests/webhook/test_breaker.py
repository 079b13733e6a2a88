"""The store's circuit breaker: open after a failure, one trial after the pause, closed by a success."""

import time

from webhook.breaker import CircuitBreaker


def test_open_after_a_failure_then_one_trial_at_a_time():
    breaker = CircuitBreaker(retry_seconds=0.2)
    assert breaker.allow()
    breaker.failed()
    assert not breaker.allow() and breaker.is_open
    time.sleep(0.25)
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # others wait for its outcome
    breaker.failed()
    assert not breaker.allow()
    time.sleep(0.25)
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.allow() and breaker.allow() and not breaker.is_open
