"""The memory-traffic floor of the choice kernel: the bytes it must move per customer, over the
memory bandwidth the stream benchmark measures (`floor.stream_sum` on arrays far larger than
the last-level cache).

The kernel takes no exp per customer-offer pair any more (the attraction (1 + d)^-lambda is
computed once, the offer factors once per period), so an exp per pair no longer bounds it. What
it cannot avoid is reading, for every customer, the per-customer arrays it uses (`READS`: the
attraction row, one float32 per store or consideration slot; with a consideration set, the
slots' stores; state, stage, store and brand; the two uniform draws) and writing the choice.
Those arrays are taken from the benchmark's inputs by name (the kernel's parameter names, or
the fields of the named tuples it now takes), with their real sizes and dtypes, so the floor
follows the inputs when the kernel's signature changes; a per-customer array the kernel is
passed but does not read (e.g. satisfaction, inside a `Customers` tuple) is listed apart and
not counted. Per-offer and per-period arrays (the offer grid) are a few kilobytes and stay in
cache. If the kernel starts reading another per-customer array, add it to `READS`.

The figure is a floor, not an estimate: each array is counted once (read once, the output
written once, no write-allocate read), and `stage` is counted although the kernel reads it only
for customers who are not active, `store` and `brand` although it reads them only for active
ones (every customer is active in the benchmark).
"""


from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from . import choice

READS = frozenset({
    "attraction", "weight", "near", "slot_store",  # the attraction rows (and their stores)
    "state", "stage", "store", "brand",  # customer state
    "u_shop", "u_choice",  # the period's draws
    "out",  # the choice, written
})  # fmt: skip
"""Names (parameter or named-tuple field) of the per-customer arrays the choice kernel reads,
from reading `linkages_sim.market.kernels.choice`."""


@dataclass(frozen=True)
class Traffic:
    """Bytes per customer the kernel must move, array by array."""

    arrays: dict[str, float]  # name -> bytes per customer (reads; the output: its write)
    unread: tuple[str, ...] = ()  # per-customer arrays passed to the kernel but not read

    @property
    def bytes_per_customer(self) -> float:
        return float(sum(self.arrays.values()))

    def floor_ns_per_customer(self, gb_per_s: float) -> float:
        """Time to move those bytes at `gb_per_s` (1 GB/s = 1 byte/ns)."""
        return self.bytes_per_customer / gb_per_s

    def describe(self) -> str:
        """'attraction 200 + state 1 + ... = 242 bytes/customer'."""
        parts = " + ".join(f"{name} {size:g}" for name, size in self.arrays.items())
        unread = f"; passed, not read: {', '.join(self.unread)}" if self.unread else ""
        return f"{parts} = {self.bytes_per_customer:g} bytes/customer{unread}"


def _parameter_names(count: int) -> list[str]:
    """The kernel's parameter names, when benchmarks/choice.py passes its arguments in the
    kernel's order (as it does today); positional labels otherwise."""
    try:
        kernel = choice.choice.choose
        names = list(inspect.signature(getattr(kernel, "py_func", kernel)).parameters)
    except (AttributeError, TypeError, ValueError):
        names = []
    return names if len(names) == count else [f"argument {k}" for k in range(count)]


def _arrays(value, name: str, n: int):
    """Every per-customer array in `value`, also inside tuples (a named tuple of weights)."""
    if isinstance(value, np.ndarray):
        if value.ndim >= 1 and value.shape[-1] == n and value.size >= n:
            yield name, value
    elif isinstance(value, tuple):
        fields = getattr(value, "_fields", None) or [f"{name}[{k}]" for k in range(len(value))]
        for field, item in zip(fields, value, strict=True):
            yield from _arrays(item, field, n)


def kernel_traffic(data: choice.Inputs) -> Traffic:
    """The per-customer arrays one call of the benchmark's kernel reads, and their bytes per
    customer (the output last)."""
    n = data.out.shape[0]
    arguments = (*data.args, data.out)
    names = _parameter_names(len(arguments))
    if names[-1] != "out":
        names[-1] = "out"  # the benchmark passes the output last
    sizes: dict[str, float] = {}
    unread = []
    for name, value in zip(names, arguments, strict=True):
        for label, array in _arrays(value, name, n):
            if label in READS:
                label = "attraction" if label in ("weight", "near") else label
                sizes[label] = sizes.get(label, 0.0) + array.nbytes / n
            else:
                unread.append(label)
    return Traffic(sizes, tuple(unread))
