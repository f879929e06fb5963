"""The workshop benchmark runs at a tiny size against the real server (no timing asserted):
every screen gets every round's result, with no error record, and the server is measured."""

import pytest

from benchmarks import workshop


@pytest.mark.parametrize("mode", workshop.MODES)
def test_the_workshop_benchmark_runs_at_a_tiny_size(mode):
    o = workshop.run(bots=3, rounds=2, mode=mode)
    assert o.latencies_ms.shape == (2 * 4,)  # 2 rounds x (3 bots + the facilitator)
    assert (o.latencies_ms > 0).all() and not o.errors
    # cpu_times() counts in clock ticks (10 ms): a 0.2 s tiny run may read 0.0
    assert o.cpu_s >= 0 and o.wall_s > 0 and o.peak_rss >= o.start_rss > 0
    assert "3 bots + facilitator, 2 rounds" in o.line() and "p95" in o.line()
