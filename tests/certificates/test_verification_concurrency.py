"""The verification rate limit under concurrent writers: eight connections spending at once
on PostgreSQL. Its own file because it must run outside a wrapping transaction (the other
verification tests each roll back theirs)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from certificates.models import VerificationThrottle

WINDOW = 900


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need a database server"
)
def test_concurrent_workers_never_lose_a_point(committed_db, settings):
    """Eight connections (as eight gunicorn workers) spending at once: every point counts,
    and exactly the budget is granted."""
    from certificates.throttle import throttle_spend

    settings.ATTUNE_VERIFY_LIMIT = 100
    results = []
    barrier = threading.Barrier(8)

    def worker():
        try:
            barrier.wait()
            for _ in range(25):
                decision = throttle_spend(key="k" * 64, cost=1, limit=100, window_seconds=WINDOW)
                results.append(decision.allowed)
            free = throttle_spend(key="f" * 64, cost=1, limit=1000, window_seconds=WINDOW)
            results.append(free.allowed)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 * 26
    assert results.count(True) == 100 + 8
    counts = dict(VerificationThrottle.objects.values_list("key", "count"))
    assert counts == {"k" * 64: 100, "f" * 64: 8}
