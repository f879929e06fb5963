"""`linkages deviation` in-process: the table, the JSON record, the output folder, bad input."""

import json

from tests.cli.test_terminal_width import assert_fits

TINY = ["--customers", "600", "--periods", "8", "--replications", "2", "--seed", "1"]


def test_deviation_table_json_and_folder(cli80, tmp_path):
    out = cli80("deviation", *TINY, "--partner", "grim", "--json", "d.json", "--out", "dev")
    assert_fits(out, command="deviation")
    assert "the supplier deviates" in out.stdout and "the distributor deviates" in out.stdout
    assert "along the path" in out.stdout
    record = json.loads((tmp_path / "d.json").read_text())
    assert record["partner"] == "grim" and record["contract"] == "acme-north"
    assert record["periods"] == 8 and record["review_every"] == 4
    assert [r["period"] for r in record["reviews"]["supplier"]] == [0, 4]
    for name in ("deviation.csv", "deviation.json", "deviation.png"):
        assert (tmp_path / "dev" / name).stat().st_size > 0
    assert (tmp_path / "dev" / "deviation.png").read_bytes()[:4] == b"\x89PNG"


def test_deviation_one_party_to_stdout(cli80):
    out = cli80("deviation", *TINY, "--party", "distributor", "--json", "-")
    assert out.exit_code == 0, out.stderr
    record = json.loads(out.stdout)
    assert set(record["verdict"]) == {"distributor"}


def test_deviation_bad_inputs(cli80):
    for args, needle in ((["--partner", "wsls"], "partner must be one of tft, grim"),
                         (["--party", "buyer"], "--party must be supplier or distributor"),
                         (["--contract", "nope"], "unknown contract 'nope'"),
                         (["--discount", "0"], "discount must be in (0, 1]")):  # fmt: skip
        out = cli80("deviation", *TINY, *args)
        assert out.exit_code == 2 and needle in out.stderr, (args, out.stderr)
