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
    """Positions (ascending) of 2 to ``size`` items whose sum is ``target`` to ``target + slack``:
    those summing to ``target`` exactly first, then the others, at most ``limit`` in all.

    Returns the sets found and whether every set summing to ``target`` exactly was found (False
    when there are more than ``limit`` of them): sets within the slack are many by chance and
    only ever candidates, so they never make the search incomplete.

    >>> subsets_summing_to([100, 250, 75, 25], 175)
    ([(0, 2)], True)
    """
    n = len(amounts)
    pairs = sorted((amounts[i] + amounts[j], i, j) for i in range(n) for j in range(i + 1, n))
    sums = [p[0] for p in pairs]
    found = _Found(target, limit)

    def window(low: int) -> list[tuple[int, int, int]]:
        return pairs[bisect_left(sums, low):bisect_right(sums, low + slack)]

    for total, i, j in window(target):
        if not found.add(total, (i, j)):
            return found.sets(), False
    for k in range(n if size >= 3 else 0):
        for total, i, j in window(target - amounts[k]):
            if j < k and not found.add(total + amounts[k], (i, j, k)):
                return found.sets(), False
    if size >= 4 and not _pairs_plus_pairs(pairs, sums, target, slack, found):
        return found.sets(), False
    return found.sets(), True


class _Found:
    """The sets found: every exact one (up to ``limit``), and others while there is room."""

    def __init__(self, target: int, limit: int):
        self.target, self.limit = target, limit
        self.exact: list[tuple[int, ...]] = []
        self.near: list[tuple[int, ...]] = []

    def add(self, total: int, positions: tuple[int, ...]) -> bool:
        """Keep a set; False once more than ``limit`` sets sum to the target exactly."""
        if total == self.target:
            self.exact.append(positions)
            return len(self.exact) <= self.limit
        if len(self.near) < self.limit:
            self.near.append(positions)
        return True

    def sets(self) -> list[tuple[int, ...]]:
        return (self.exact + self.near)[:self.limit]


def _pairs_plus_pairs(pairs: list[tuple[int, int, int]], sums: list[int], target: int, slack: int,
                      found: _Found) -> bool:
    """Add the sets of four (a pair + a later pair) to ``found``; False when more than its limit
    sum to the target exactly.

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
        for second, k, m in pairs[lo:hi]:
            if j < k and not found.add(total + second, (i, j, k, m)):
                return False
    return True
