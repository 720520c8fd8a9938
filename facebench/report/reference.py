"""The papers' published numbers as leaderboard rows marked "reported".

Numbers live in ``facebench/reference_results.yaml`` as printed in the papers, one block per
table with a source note; here they are converted to facebench's units and keyed by
``task/metric`` columns, so a measured checkpoint sits beside the published ones. Reported rows
are named ``<method> [reported: <paper>, <setting>]`` and carry ``source`` = the tables used.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from facebench.errors import ConfigError

REFERENCE_FILE = Path(__file__).resolve().parents[1] / "reference_results.yaml"
_SCALE = {"fraction": 1.0, "percent": 0.01, "raw": 1.0}


@lru_cache(maxsize=2)
def load_reference(path: Path = REFERENCE_FILE) -> list[dict[str, Any]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables = raw.get("tables") or []
    for t in tables:
        for setting, rows in t["rows"].items():
            for method, values in rows.items():
                if len(values) != len(t["columns"]):
                    raise ConfigError(f"{path}: {t['id']} {setting}/{method}: "
                                      f"{len(values)} values for {len(t['columns'])} columns")
        units = [t.get("unit", "fraction"), *(t.get("column_units") or {}).values()]
        if any(u not in _SCALE for u in units):
            raise ConfigError(f"{path}: {t['id']}: unit must be one of {sorted(_SCALE)}")
    return tables


def row_name(method: str, paper: str, setting: str) -> str:
    return f"{method} [reported: {paper}, {setting}]"


def reference_rows(papers: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """Row name -> {column: value in facebench units, "source": tables}."""
    rows: dict[str, dict[str, Any]] = {}
    for t in load_reference():
        if papers and t["paper"] not in papers:
            continue
        col_units = t.get("column_units") or {}
        for setting, methods in t["rows"].items():
            for method, values in methods.items():
                row = rows.setdefault(row_name(method, t["paper"], setting), {"source": []})
                for col, value in zip(t["columns"], values):
                    if value is not None:
                        row[col] = round(float(value) * _SCALE[col_units.get(col, t.get("unit", "fraction"))], 6)
                row["source"].append(t["table"].split(" (")[0])
    for row in rows.values():
        row["source"] = "reported: " + ", ".join(dict.fromkeys(row["source"]))
    return rows


def add_reference_rows(frame: pd.DataFrame, papers: set[str] | None = None) -> pd.DataFrame:
    """The leaderboard plus the published rows (measured rows first, marked ``measured``)."""
    measured = frame.copy()
    measured.insert(0, "source", "measured")
    reported = pd.DataFrame.from_dict(reference_rows(papers), orient="index")
    out = pd.concat([measured, reported], axis=0, sort=False)
    out.index.name = frame.index.name or "model"
    cols = ["source"] + [c for c in frame.columns] + [c for c in out.columns if c not in frame.columns and c != "source"]
    return out[cols]
