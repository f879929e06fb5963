"""The floor: the unavoidable work of the choice step on this machine.

1. exp and a running sum over N x M stored float32 utilities, with a polynomial exp that LLVM
   can vectorise (range reduction to 2^n * 2^f, a degree-6 polynomial for 2^f, the scale built
   from the exponent bits), processed in blocks so that every loop is a straight SIMD loop;
2. the same with numba's scalar `math.exp` (pip wheels have no SVML);
3. memory bandwidth: streaming four float64 arrays once, at two sizes: 32 MB in all (about
   this machine's last-level cache) and 256 MB (eight times it: main memory). The second is
   the bandwidth in the choice kernel's memory-traffic floor (`traffic.py`), since the
   kernel's per-customer arrays at 10^6 customers are far larger than the cache.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

BLOCK = 1024
LOG2E = np.float32(1.4426950408889634)
LN2 = np.float32(0.6931471805599453)
# 2^f on [-0.5, 0.5], minimax-style coefficients (relative error ~2e-7)
C = tuple(np.float32(c) for c in (1.0, 0.6931472, 0.2402265, 0.05550357, 0.009618030,
                                   0.001333558, 0.0001540353))  # fmt: skip


@njit(cache=True, fastmath=True, inline="always")
def _exp_accumulate(u, n_bits, frac, acc):
    """acc[k] += exp(u[k]) for one block, as two vectorisable loops."""
    m = u.shape[0]
    for k in range(m):
        t = u[k] * LOG2E
        n = np.float32(math.floor(t + np.float32(0.5)))
        f = t - n
        p = C[6]
        p = p * f + C[5]
        p = p * f + C[4]
        p = p * f + C[3]
        p = p * f + C[2]
        p = p * f + C[1]
        p = p * f + C[0]
        frac[k] = p
        n_bits[k] = (np.int32(n) + np.int32(127)) << np.int32(23)
    scale = n_bits.view(np.float32)
    for k in range(m):
        acc[k] += frac[k] * scale[k]


@njit(cache=True, parallel=True, fastmath=True)
def simd_exp_sum(utilities):
    """Sum over offers of exp(utility) for every customer. Utilities are (M, N) float32,
    offer-major, so each offer's values for a block of BLOCK customers are contiguous: SIMD over
    customers, and every customer's sum is taken in the same offer order whatever the threads."""
    m, n = utilities.shape
    totals = np.zeros(n, dtype=np.float32)
    n_blocks = (n + BLOCK - 1) // BLOCK
    for b in prange(n_blocks):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        size = hi - lo
        bits = np.empty(size, dtype=np.int32)
        frac = np.empty(size, dtype=np.float32)
        acc = np.zeros(size, dtype=np.float32)
        for j in range(m):
            _exp_accumulate(utilities[j, lo:hi], bits, frac, acc)
        totals[lo:hi] = acc
    return totals


@njit(cache=True, parallel=True)
def scalar_exp_sum(utilities):
    """The naive loop: numba's scalar math.exp, customer by customer ((M, N) layout)."""
    m, n = utilities.shape
    totals = np.zeros(n, dtype=np.float32)
    for i in prange(n):
        s = np.float32(0.0)
        for j in range(m):
            s += math.exp(utilities[j, i])
        totals[i] = s
    return totals


@njit(cache=True, parallel=True)
def stream_sum(a, b, c, d):
    """Read four customer arrays once (the state a period must touch at the least)."""
    total = 0.0
    for i in prange(a.shape[0]):
        total += a[i] + b[i] + c[i] + d[i]
    return total


STREAM_BYTES = {"cache": 32 * 2**20, "memory": 256 * 2**20}
"""Total sizes of the stream benchmark's four arrays: about the L3 of the reference machine
(32 MB), and eight times it."""


def stream_arrays(total_bytes: int, seed: int = 0) -> list[np.ndarray]:
    """Four distinct float64 arrays of `total_bytes` in all, written once (pages resident)."""
    n = total_bytes // (4 * 8)
    rng = np.random.default_rng(seed)
    return [rng.random(n) for _ in range(4)]


def utilities(n: int, m: int, seed: int = 0) -> np.ndarray:
    """(M, N) float32 utilities in a realistic range."""
    return np.random.default_rng(seed).uniform(-4.0, 2.0, (m, n)).astype(np.float32)


def check_accuracy() -> float:
    """Largest relative error of the polynomial exp against numpy's float64 exp."""
    u = utilities(4096, 8)
    got = simd_exp_sum(u)
    want = np.exp(u.astype(np.float64)).sum(axis=0)
    return float(np.max(np.abs(got - want) / want))


def threads_available() -> int:
    return numba.config.NUMBA_NUM_THREADS
