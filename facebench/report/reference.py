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


def paper_protocols(frame: pd.DataFrame) -> dict[str, str]:
    """paper -> protocol, for the protocols in the board that reproduce a paper as published.

    A variant with overrides (``face-mllm~limit=200``) reproduces nothing: its rows get no
    published neighbours."""
    from facebench.protocols import load_protocol

    papers: dict[str, str] = {}
    for variant in dict.fromkeys(frame.get("protocol", pd.Series(dtype=str))):
        if "~" in str(variant):
            continue
        try:
            protocol = load_protocol(str(variant))
        except ConfigError:
            continue
        if protocol.paper:
            papers[protocol.paper] = protocol.name
    return papers


def add_reference_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The leaderboard plus the published rows of the papers its protocols reproduce.

    Reported rows sit under the protocol that reproduces them (never beside a run of another
    protocol) and only in the tasks the board has measured."""
    measured = frame.copy()
    measured.insert(0, "source", "measured")
    papers = paper_protocols(frame)
    reported = pd.DataFrame.from_dict(reference_rows(set(papers)) if papers else {}, orient="index")
    if not reported.empty:
        tasks = {c.split("/")[0] for c in frame.columns if "/" in c}
        keep = [c for c in reported.columns if c == "source" or c.split("/")[0] in tasks]
        reported = reported[keep]
        reported = reported[[c for c in reported.columns if c != "source"]].notna().any(axis=1).pipe(
            lambda has: reported[has])
        reported.insert(0, "protocol", [papers[_paper_of(name)] for name in reported.index])
    out = pd.concat([measured, reported], axis=0, sort=False)
    out.index.name = frame.index.name or "model"
    front = ["source", "protocol"] if "protocol" in out.columns else ["source"]
    cols = front + [c for c in frame.columns if c not in front] + [
        c for c in out.columns if c not in frame.columns and c not in front]
    return out[cols]


def _paper_of(row: str) -> str:
    """The paper of a reported row name ``<method> [reported: <paper>, <setting>]``."""
    return row.rsplit("[reported: ", 1)[1].split(",", 1)[0]
