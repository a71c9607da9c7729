"""Which 2 to 4 open items add up to a payment: a meet-in-the-middle search on minor units.

Every pair of items is summed once and sorted; a set of two is a pair whose sum falls in the
window, a set of three an item plus a pair, a set of four a pair plus a pair. With the 24 oldest
open items of a customer that is 276 pairs and a few hundred binary searches, instead of the
12,000 combinations a plain search would add up.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence


def subsets_summing_to(amounts: Sequence[int], target: int, *, slack: int = 0, size: int = 4,
                       limit: int = 20) -> tuple[list[tuple[int, ...]], bool]:
    """Positions (ascending) of 2 to ``size`` items whose sum is ``target`` to ``target + slack``.

    Returns the sets found and whether the search was complete (False when it stopped at
    ``limit`` sets).

    >>> subsets_summing_to([100, 250, 75, 25], 175)
    ([(0, 2)], True)
    """
    n = len(amounts)
    pairs = sorted((amounts[i] + amounts[j], i, j) for i in range(n) for j in range(i + 1, n))
    sums = [p[0] for p in pairs]

    def window(low: int) -> list[tuple[int, int, int]]:
        return pairs[bisect_left(sums, low):bisect_right(sums, low + slack)]

    found: list[tuple[int, ...]] = [(i, j) for _, i, j in window(target)]
    for k in range(n if size >= 3 else 0):
        found.extend((i, j, k) for _, i, j in window(target - amounts[k]) if j < k)
        if len(found) > limit:
            return found[:limit], False
    if size >= 4 and not _pairs_plus_pairs(pairs, sums, target, slack, found, limit):
        return found[:limit], False
    return found[:limit], len(found) <= limit


def _pairs_plus_pairs(pairs: list[tuple[int, int, int]], sums: list[int], target: int, slack: int,
                      found: list[tuple[int, ...]], limit: int) -> bool:
    """Add the sets of four (a pair + a later pair) to ``found``; False when it passed ``limit``.

    The pairs come in ascending sums, so the window of second pairs only moves down: two
    pointers walk it once instead of two binary searches per pair, and the walk ends when
    no pair is small enough to complete the sum.
    """
    lo = hi = len(pairs)
    for total, i, j in pairs:
        low = target - total
        while hi and sums[hi - 1] > low + slack:
            hi -= 1
        if not hi:
            break
        while lo and sums[lo - 1] >= low:
            lo -= 1
        if lo < hi:
            found.extend((i, j, k, m) for _, k, m in pairs[lo:hi] if j < k)
            if len(found) > limit:
                return False
    return True
