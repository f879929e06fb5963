"""The channel-round benchmark runs at a tiny size (no timing asserted): every round closes
and is timed, and the line states the target and the machine's load."""

from benchmarks import channel_round


def test_the_channel_round_benchmark_runs_at_a_tiny_size():
    o = channel_round.run(customers=1_000, weeks=4, rounds=2)
    assert o.rounds_s.shape == (2,) and (o.rounds_s > 0).all() and o.build_s > 0
    line = o.line()
    assert "4 weeks between reviews at 1,000 customers" in line and "target < 1 s" in line
    assert "load" in line
