"""Signals for the municipality: what residents of each village ask, and where the social map falls short.

- `aggregator.Aggregator` counts Rasa's conversation events (from the SQL event broker
  table, `broker.py`) into weekly counts per municipality, woonplaats, metric and key;
- `suppression.suppress` hides small cells and the totals that would reveal them;
- `queries.dashboard` returns one area's signals over one period, suppressed;
- `export`, `report` and `charts` turn that into CSV/JSON, a council report and SVG;
- `worker.SignalsWorker` runs the aggregation (and the broker retention purge) inside
  the web process; `cli` is `python -m socialmap signals ...`.

Counts only: no message text and no conversation id is ever stored in the aggregate.
"""

from __future__ import annotations

from typing import Any


def register_cli(subparsers: Any) -> None:
    """Add the `signals` command to the socialmap CLI."""
    from socialmap.signals.cli import register_cli as _register

    _register(subparsers)
