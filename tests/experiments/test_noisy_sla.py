"""The noisy-SLA experiment's directions at a small size (experiments/noisy_sla)."""

from experiments.noisy_sla.experiment import run_experiment


def test_noise_raises_the_deterrent_penalty_and_fines_the_honest(tmp_path):
    result = run_experiment(tmp_path, customers=3_000, replications=2, workers=1)
    thresholds = [result["by_noise"][e]["smallest_deterrent_penalty"]
                  for e in ("0.00", "0.05", "0.10", "0.20")]  # fmt: skip
    assert None not in thresholds
    assert thresholds == sorted(thresholds) and thresholds[-1] > thresholds[0]
    rows = {e: next(r for r in record["rows"] if r["penalty"] == 4000.0)
            for e, record in result["sweeps"].items()}  # fmt: skip

    def fines(e):
        return sum(rows[e]["false_fines_per_week"][p]["mean"] for p in ("supplier", "distributor"))

    assert fines("0.00") == 0.0  # every clause kept and read right: nobody is fined
    assert 0.0 < fines("0.05") < fines("0.20")
    assert (tmp_path / "noisy_sla.png").is_file()
