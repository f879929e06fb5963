"""A float32 exp that LLVM can vectorise, and its numpy twin with the same operations.

numba's `math.exp` is a scalar libm call (pip wheels of numba have no SVML), which keeps a loop
over customers from using SIMD. Here exp(u) = 2^n 2^f with n = round(u log2 e) and a degree-6
polynomial for 2^f on [-0.5, 0.5] (relative error about 3e-7, float32 precision), and 2^n built
from the exponent bits. The numpy twin performs the same float32 operations in the same order,
so the two agree bit for bit (numba does not contract a * b + c into a fused multiply-add
unless fastmath is on, and it is off here).
"""

import math

import numpy as np
from numba import njit

LOG2E = np.float32(1.4426950408889634)
LIMIT = np.float32(126.0)
HALF = np.float32(0.5)
C0, C1, C2, C3, C4, C5, C6 = (np.float32(c) for c in (
    1.0, 0.6931472, 0.2402265, 0.05550357, 0.009618030, 0.001333558, 0.0001540353))  # fmt: skip


@njit(cache=True, inline="always")
def exp_block(u, bits, frac, out):
    """out[k] = exp(u[k]) for float32 arrays; `bits` (int32) and `frac` are scratch space."""
    for k in range(u.shape[0]):
        t = u[k] * LOG2E
        t = min(max(t, -LIMIT), LIMIT)
        n = np.float32(math.floor(t + HALF))
        f = t - n
        p = C6 * f + C5
        p = p * f + C4
        p = p * f + C3
        p = p * f + C2
        p = p * f + C1
        p = p * f + C0
        frac[k] = p
        bits[k] = (np.int32(n) + np.int32(127)) << np.int32(23)
    scale = bits.view(np.float32)
    for k in range(u.shape[0]):
        out[k] = frac[k] * scale[k]


@njit(cache=True)
def exp32(x: float) -> np.float32:
    """exp of one value, by the same operations (for constants such as the outside option)."""
    u = np.full(1, np.float32(x), dtype=np.float32)
    out = np.empty(1, dtype=np.float32)
    exp_block(u, np.empty(1, dtype=np.int32), np.empty(1, dtype=np.float32), out)
    return out[0]


def exp_reference(u: np.ndarray) -> np.ndarray:
    """The numpy twin of `exp_block`."""
    u = np.asarray(u, dtype=np.float32)
    t = np.clip(u * LOG2E, -LIMIT, LIMIT)
    n = np.floor(t + HALF)
    f = t - n
    p = C6 * f + C5
    for c in (C4, C3, C2, C1, C0):
        p = p * f + c
    scale = ((n.astype(np.int32) + np.int32(127)) << np.int32(23)).view(np.float32)
    return p * scale
