"""python -m benchmarks [--quick]
[--only floor,choice,end_to_end,startup,sweep,workshop,channel_round]
[--no-write]

Runs the benchmarks and prints each figure as it comes; a full run (no --quick, no --only)
rewrites benchmarks/RESULTS.md."""

from __future__ import annotations

import argparse

import numba
import numpy as np

from . import channel_round, choice, end_to_end, floor, startup, sweep, traffic, workshop
from .harness import Report, Row, measure, ns_per, results_path

ALL = ("floor", "choice", "end_to_end", "startup", "sweep", "workshop", "channel_round")


def thread_counts() -> list[int]:
    return sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


def bench_floor(report: Report, n: int, m: int, repeats: int) -> tuple[dict, dict]:
    """The exp floor (ns per pair) and the memory bandwidth (GB/s), by thread count."""
    u = floor.utilities(n, m)
    pairs = n * m
    simd, bandwidth = {}, {}
    streams = {where: floor.stream_arrays(size) for where, size in floor.STREAM_BYTES.items()}
    for threads in thread_counts():
        numba.set_num_threads(threads)
        t_simd = measure(lambda: floor.simd_exp_sum(u), repeats)
        t_scalar = measure(lambda: floor.scalar_exp_sum(u), repeats)
        simd[threads] = ns_per(t_simd.median, pairs)
        report.add(Row("floor: SIMD exp + sum (float32)", f"N={n:.0e}, M={m}", threads,
                       f"{simd[threads]:.3f} ns/pair",
                       note=f"max rel. error {floor.check_accuracy():.1e}"))  # fmt: skip
        scalar = ns_per(t_scalar.median, pairs)
        ratio = f"{scalar / simd[threads]:.1f}x SIMD floor"
        report.add(Row("floor: scalar math.exp + sum", f"N={n:.0e}, M={m}", threads,
                       f"{scalar:.3f} ns/pair", ratio))  # fmt: skip
        for where, arrays in streams.items():
            t_stream = measure(lambda arrays=arrays: floor.stream_sum(*arrays), repeats)
            size = sum(a.nbytes for a in arrays)
            gbps = size / t_stream.median / 1e9
            what = "in cache" if where == "cache" else "from memory"
            report.add(Row(f"floor: stream 4 float64 arrays, {what}", f"{size / 2**20:.0f} MB",
                           threads, f"{gbps:.1f} GB/s",
                           "the memory floor's bandwidth" if where == "memory" else "",
                           note=f"min-max {size / t_stream.max / 1e9:.1f}"
                           f"-{size / t_stream.min / 1e9:.1f}"))  # fmt: skip
            if where == "memory":
                bandwidth[threads] = gbps
    del streams
    return simd, bandwidth


def bench_choice(report: Report, n: int, sizes: list[int], naive_n: int, repeats: int,
                 floor_ns: dict[int, float], bandwidth: dict[int, float]) -> None:  # fmt: skip
    """The kernel against its memory-traffic floor (the bytes it must move per customer at the
    measured memory bandwidth), against the exp-per-pair floor of the earlier kernel, against
    its numpy twin on the same inputs, and against the naive per-agent version."""
    most = thread_counts()[-1]
    kernel_ns = {}
    for m in sizes:
        data = choice.inputs(n, m)
        moved = traffic.kernel_traffic(data)
        report.add(Row("choice kernel: memory-traffic floor", f"N={n:.0e}, M={m}", "-",
                       f"{moved.bytes_per_customer:g} bytes/customer",
                       ", ".join(f"{threads} threads {moved.floor_ns_per_customer(gbps):.2f} "
                                 f"ns/customer at {gbps:.1f} GB/s"
                                 for threads, gbps in bandwidth.items()),
                       note=moved.describe()))  # fmt: skip
        outputs = {}
        for threads in thread_counts():
            numba.set_num_threads(threads)
            t = measure(lambda data=data: choice.kernel(data), repeats)
            outputs[threads] = data.out.copy()
            per = kernel_ns[m, threads] = ns_per(t.median, data.pairs)
            per_customer = ns_per(t.median, n)
            ratios = []
            if threads in bandwidth:
                floor_customer = moved.floor_ns_per_customer(bandwidth[threads])
                ratios.append(f"{per_customer / floor_customer:.1f}x the memory floor")
            if threads in floor_ns:
                ratios.append(f"{per / floor_ns[threads]:.1f}x the exp-per-pair floor")
            report.add(Row("choice kernel (numba)", f"N={n:.0e}, M={m}", threads,
                           f"{per:.3f} ns/pair, {per_customer:.1f} ns/customer",
                           "; ".join(ratios),
                           note=f"min {ns_per(t.min, data.pairs):.3f} ns/pair"))  # fmt: skip
        same = all((o == outputs[1]).all() for o in outputs.values())
        report.add(Row("choice kernel: threads agree", f"N={n:.0e}, M={m}", "1 vs 2",
                       "bit-identical" if same else "DIFFERENT"))  # fmt: skip
        del data
        bench_numpy_twin(report, min(n, 200_000), m, repeats)
    for stores in (50, 500):  # many stores, each customer considering the nearest 8
        bench_consideration(report, min(n, 100_000) if stores > 50 else n, stores, 8, repeats,
                            bandwidth.get(most))  # fmt: skip
    for m in sizes:  # the per-agent version at a size it can run, against the kernel's figure
        customers = naive_n if m <= 10 else naive_n // 10
        data = choice.inputs(customers, m)
        model = choice.NaiveMarket(data)
        t_naive = measure(model.step, 2)
        naive = ns_per(t_naive.median, data.pairs)
        report.add(Row("naive per-agent Mesa (shuffle_do)", f"N={customers:.0e}, M={m}", 1,
                       f"{naive:.0f} ns/pair",
                       f"{naive / kernel_ns[m, most]:.0f}x the kernel ({most} threads, same M)",
                       note=f"{customers / t_naive.median:.2e} customer-steps/s, "
                       f"{choice.naive_memory_per_customer(customers, m):.0f} bytes/customer"),
                   )  # fmt: skip


def bench_numpy_twin(report: Report, n: int, m: int, repeats: int) -> None:
    """The numpy twin (`choose_reference`, vectorised numpy, one thread) and the kernel on the
    same inputs: the speed-up of the kernel over the vectorised numpy version."""
    data = choice.inputs(n, m)
    t_ref = measure(lambda: choice.reference(data), max(1, repeats // 2))
    reference = ns_per(t_ref.median, data.pairs)
    speedups = []
    for threads in thread_counts():
        numba.set_num_threads(threads)
        t = measure(lambda: choice.kernel(data), repeats)
        speedups.append(f"{threads} threads {reference / ns_per(t.median, data.pairs):.0f}x")
    report.add(Row("choice numpy twin (vectorised numpy)", f"N={n:.0e}, M={m}", 1,
                   f"{reference:.2f} ns/pair",
                   "kernel faster, same inputs: " + ", ".join(speedups)))  # fmt: skip


def bench_consideration(report: Report, n: int, stores: int, consider: int,
                        repeats: int, gbps: float | None = None) -> None:  # fmt: skip
    """The kernel with a consideration set against every store considered (2 offers a store)."""
    m = 2 * stores
    most = thread_counts()[-1]
    numba.set_num_threads(most)
    timings = {}
    for label, k in (("considered", consider), ("every store", None)):
        data = choice.inputs(n, m, consider=k)
        moved = traffic.kernel_traffic(data).bytes_per_customer
        timings[label] = (measure(lambda data=data: choice.kernel(data), repeats).median / n * 1e9,
                          data.bytes_per_customer, moved)  # fmt: skip
        del data
    (ns, size, moved), (ns_all, size_all, _) = timings["considered"], timings["every store"]
    floor_note = "" if gbps is None else (
        f"; {ns / (moved / gbps):.1f}x its memory floor ({moved:g} bytes/customer moved)")
    report.add(Row(f"choice kernel: {consider} nearest of {stores} stores", f"N={n:.0e}, M={m}",
                   most, f"{ns:.1f} ns/customer, {size} bytes/customer of attraction",
                   f"{ns_all / ns:.1f}x faster, {size_all / size:.0f}x less memory than every "
                   f"store ({ns_all:.0f} ns, {size_all} bytes){floor_note}"))  # fmt: skip


def bench_end_to_end(report: Report, sizes: list[int], periods: int) -> None:
    base = end_to_end.baseline_rss()
    report.add(Row("fixed overhead (imports, kernels)", "10 customers", "-",
                   f"{base / 2**20:.0f} MB RSS"))  # fmt: skip
    first = None
    most = thread_counts()[-1]
    for n in sizes:
        r = end_to_end.run_size(n, periods, threads=most)
        rate = n * periods / r["run"]
        per_cp = r["run"] / (n * periods)
        first = first or per_cp
        report.add(Row(f"default market, {periods} weeks", f"N={n:.0e}", most,
                       f"{r['run']:.2f} s, {rate:.2e} customer-periods/s",
                       f"{per_cp / first:.2f}x time per customer-period of the smallest",
                       note=f"first period {r['first_period']:.2f} s, peak RSS "
                       f"{r['rss'] / 2**20:.0f} MB = {(r['rss'] - base) / n:.0f} B/customer "
                       "above the fixed overhead"))  # fmt: skip
        if most > 1:
            one = end_to_end.run_size(n, periods, threads=1)
            same = one["digest"] == r["digest"]
            report.add(Row(f"default market, {periods} weeks: threads agree", f"N={n:.0e}",
                           f"1 vs {most}", "byte-identical" if same else "DIFFERENT",
                           f"1 thread {one['run']:.2f} s",
                           note="sha256 of the time series and every customer's state"),
                       )  # fmt: skip


def bench_startup(report: Report, customers: int) -> None:
    report.add(Row("`linkages --help`", "-", "-", f"{startup.help_time():.2f} s"))
    t = startup.run_times(customers)
    size = f"N={customers:.0e}"
    report.add(Row("`linkages run` cold JIT cache", size, "all", f"{t.cold:.1f} s"))
    report.add(Row("`linkages run` warm JIT cache", size, "all", f"{t.warm_median:.2f} s",
                   f"{t.cold / t.warm_median:.1f}x faster than cold",
                   note=f"min {min(t.warm):.2f}, max {max(t.warm):.2f}"))  # fmt: skip
    report.add(Row("`linkages run` warm: outside the simulation loop", size, "all",
                   f"{t.outside_median:.2f} s",
                   note=f"wall minus the loop (`--timings`); min {min(t.outside):.2f}, "
                   f"max {max(t.outside):.2f}"))  # fmt: skip


def bench_sweep(report: Report, quick: bool) -> None:
    """Sweep throughput with 1 and 2 workers and on Dask, per-run overhead, driver memory, Mesa's
    batch_run, and (full runs) the acceptance sweep local vs Dask (`benchmarks/sweep.py`)."""
    runs, customers = (8, 2_000) if quick else (40, 10_000)
    for f in sweep.measure(runs, customers, acceptance=not quick):
        report.add(Row(f.what, f.size, 1, f.figure, f.ratio,
                       command="python -m benchmarks.sweep --acceptance"))  # fmt: skip


def bench_workshop(report: Report, quick: bool) -> None:
    """The browser workshop's round result, last move to every screen (`benchmarks/workshop.py`)."""
    bots, rounds = (10, 3) if quick else (60, 10)
    load = workshop.load_note()
    for mode in workshop.MODES:
        o = workshop.run(bots, rounds, mode)
        met = "met" if o.p95 < workshop.TARGET_P95_MS else "NOT met"
        report.add(Row(f"workshop: last move to every screen ({mode})",
                       f"{bots} bots + facilitator, {rounds} rounds", "-",
                       f"p50 {o.p50:.0f} ms, p95 {o.p95:.0f} ms, max {o.max:.0f} ms",
                       f"target p95 < {workshop.TARGET_P95_MS:.0f} ms: {met}",
                       command="python -m benchmarks.workshop",
                       note=f"server CPU {o.cpu_s:.2f} s over {o.wall_s:.2f} s, peak RSS "
                       f"{o.peak_rss / 2**20:.0f} MB; {load}"))  # fmt: skip


def bench_channel_round(report: Report, quick: bool) -> None:
    """The channel game's market between two reviews (`benchmarks/channel_round.py`)."""
    customers = 10_000 if quick else 100_000
    o = channel_round.run(customers, 13, 2 if quick else 4)
    median = float(np.median(o.rounds_s))
    met = "met" if median < channel_round.TARGET_S else "NOT met"
    report.add(Row("workshop: channel game, a round's close (13 weeks)", f"N={customers:.0e}",
                   "all", f"{median:.2f} s (min {o.rounds_s.min():.2f}, max "
                   f"{o.rounds_s.max():.2f})", f"target < {channel_round.TARGET_S:.0f} s: {met}",
                   command="python -m benchmarks.channel_round",
                   note=f"building the market {o.build_s:.2f} s; {o.load}"))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", default=",".join(ALL))
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    only = set(args.only.split(","))
    quick = args.quick
    n = 100_000 if quick else 1_000_000
    repeats = 2 if quick else 5
    report = Report()
    floor_ns, bandwidth = {}, {}
    if "floor" in only or "choice" in only:
        print("floor")
        floor_ns, bandwidth = bench_floor(report, n, 100, repeats)
    if "choice" in only:
        print("choice")
        bench_choice(report, n, [10, 100], 2_000 if quick else 20_000, repeats, floor_ns,
                     bandwidth)  # fmt: skip
    if "end_to_end" in only:
        print("end to end")
        sizes = [10_000, 100_000] if quick else [100_000, 1_000_000, 10_000_000]
        bench_end_to_end(report, sizes, 10 if quick else 52)
    if "startup" in only:
        print("start-up")
        bench_startup(report, 20_000 if quick else 100_000)
    if "sweep" in only:
        print("sweep")
        bench_sweep(report, quick)
    if "workshop" in only:
        print("workshop")
        bench_workshop(report, quick)
    if "channel_round" in only:
        print("channel round")
        bench_channel_round(report, quick)
    if args.no_write or only != set(ALL) or quick:
        print("RESULTS.md not written (it records full runs of every benchmark)")
    else:
        target = results_path()
        target.write_text(report.markdown())
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
