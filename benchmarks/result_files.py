"""Where a benchmark script leaves its numbers: ``<output>.json`` (raw) and ``<output>.md`` (the
table), imported by the scripts beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_results(output: str | Path, record: Any, table: str) -> None:
    """Print the table and write ``<output>.json`` and ``<output>.md``."""
    print(table)
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".json").write_text(json.dumps(record, indent=2, default=float) + "\n")
    path.with_suffix(".md").write_text(table)
