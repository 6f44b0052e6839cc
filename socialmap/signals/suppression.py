"""Small-cell suppression: no count below the threshold is shown, nor derivable from a total.

A table of counts is a set of cells plus groups: a group says that a shown total is the
sum of its member cells (a municipality is the sum of its villages, a period the sum of
its weeks). Primary suppression hides every cell with 1 to 4 conversations and shows it
as "<5" (so a reader knows it lies between 1 and 4). Complementary suppression hides
more cells, shown as "x" (a reader only learns it is 5 or more), until in every group
whose total is shown, "total minus the shown members" no longer narrows down any "<5"
cell: given the other hidden members' known bounds (1-4 for "<5", at least 5 for "x"),
each "<5" cell could still be any of 1, 2, 3 or 4. When no member is left to hide, the
total is hidden. This repeats over all groups of all tables of one page until nothing
changes, so a number hidden in one table is hidden in every table that shows it.

Zero stays zero: "nobody" identifies nobody.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

from socialmap.signals.model import HIDDEN, THRESHOLD

Key = Hashable
Group = tuple[Key, Sequence[Key]]


def _protected(secret_values: Sequence[int], threshold: int) -> bool:
    """Return True when the sum of the hidden members leaves every small one its full range 1..t-1."""
    small = [v for v in secret_values if 0 < v < threshold]
    if not small:
        return True
    large = len(secret_values) - len(small)
    total = sum(secret_values)
    others_small = len(small) - 1
    # Highest value a small cell can be derived to have: the others at their lowest.
    highest = total - others_small * 1 - large * threshold
    # Lowest: the others at their highest (unbounded when a large cell can absorb the rest).
    lowest = 1 if large else total - others_small * (threshold - 1)
    return highest >= threshold - 1 and lowest <= 1


def suppress(
    cells: Mapping[Key, int], groups: Iterable[Group] = (), threshold: int = THRESHOLD
) -> set[Key]:
    """Return the keys of the cells to hide (primary and complementary suppression)."""
    hidden = {key for key, n in cells.items() if 0 < n < threshold}
    group_list = [(total, list(members)) for total, members in groups]
    changed = True
    while changed:
        changed = False
        for total, members in group_list:
            if total in hidden:
                continue
            secret = [cells.get(m, 0) for m in members if m in hidden]
            if _protected(secret, threshold):
                continue
            candidates = sorted(
                (m for m in members if m not in hidden and cells.get(m, 0) > 0), key=lambda m: cells.get(m, 0)
            )
            # The smallest member that protects the group on its own, else the largest, else the total.
            pick = next((c for c in candidates if _protected([*secret, cells.get(c, 0)], threshold)), None)
            if pick is None:
                pick = candidates[-1] if candidates else total
            hidden.add(pick)
            changed = True
    return hidden


def label(value: int, hidden: bool, threshold: int = THRESHOLD) -> int | str:
    """Return the value as it may be shown: the count, "<5" for a small hidden one, "x" for another."""
    # A small count is never shown, whatever the bookkeeping of hidden cells says.
    if 0 < value < threshold:
        return f"<{threshold}"
    if not hidden:
        return int(value)
    return HIDDEN


def is_safe(cells: Mapping[Key, int], groups: Iterable[Group], hidden: set[Key], threshold: int = THRESHOLD) -> bool:
    """Return True when `hidden` protects every small cell (the property the tests check).

    Written apart from `suppress`: for each shown total it works out, by trying every
    value, which values each "<5" member could have given the labels of the others.
    """
    if any(0 < n < threshold and key not in hidden for key, n in cells.items()):
        return False
    for total, members in groups:
        if total in hidden:
            continue
        secret = [m for m in members if m in hidden]
        rest = cells.get(total, 0) - sum(cells.get(m, 0) for m in members if m not in hidden)
        for i, member in enumerate(secret):
            if not 0 < cells.get(member, 0) < threshold:
                continue
            others = [cells.get(m, 0) for j, m in enumerate(secret) if j != i]
            lo = sum(1 if 0 < v < threshold else threshold for v in others)
            hi = None if any(v >= threshold for v in others) else sum(threshold - 1 for _ in others)
            possible = {v for v in range(1, threshold) if rest - v >= lo and (hi is None or rest - v <= hi)}
            if possible != set(range(1, threshold)):
                return False
    return True
