"""What ``facebench judge`` does: pick the grading protocol per task folder, run it, write tables.

Protocol per ``<output>/<model>/<variant>/<task>`` folder (``kind="auto"``): MM-Vet grading when
every item carries MM-Vet capability tags, else the reasoning rubric of the task's type
(``tasks/rubrics/task_types.yaml`` or ``--rubric TASK=TYPE``). A folder with neither is skipped
with a notice when tasks were not named, and is an error when they were: no guessing. A chosen
folder whose model answers include errors is refused before anything is sent to the judge.
A summary whose ``complete`` is false (some judge call failed) makes the command fail; running
it again asks only the calls that failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from facebench.errors import FacebenchError
from facebench.judge.client import Judge, Progress
from facebench.judge.folder import load_run, refuse_model_errors, task_folders
from facebench.judge.mmvet import MAX_ATTEMPTS, Policy, grade_task, is_mmvet
from facebench.judge.reasoning import rate_task
from facebench.judge.rubrics import task_type_of
from facebench.judge.tables import write_tables

Kind = Literal["auto", "reasoning", "mmvet"]


@dataclass
class JudgeOptions:
    tasks: list[str] | None = None  # None: every task folder
    model: str | None = None
    kind: Kind = "auto"
    rubric_types: dict[str, str] = field(default_factory=dict)
    repeats: int = 5
    max_attempts_reasoning: int = 3
    max_attempts_mmvet: int = MAX_ATTEMPTS
    policy: Policy = "zero"
    dry_run: bool = False


def plan(output: Path, opts: JudgeOptions) -> list[tuple[Path, str, str | None]]:
    """``(folder, protocol, task_type)`` for every folder to judge; raises for unjudgeable named
    tasks and for chosen folders holding model errors (before any judge call)."""
    folders = task_folders(output, opts.tasks, opts.model)
    if not folders:
        raise FacebenchError(f"no task runs (*/*/run.json) under {output} for the chosen tasks/model")
    chosen = []
    for folder in folders:
        _, answers = load_run(folder)
        mmvet = is_mmvet(answers)
        task_type = task_type_of(folder.name, opts.rubric_types)
        if opts.kind == "mmvet" or (opts.kind == "auto" and mmvet):
            if not mmvet:
                raise FacebenchError(f"{folder}: not an MM-Vet run (no capability tags)")
            refuse_model_errors(folder, answers)
            chosen.append((folder, "mmvet", None))
        elif task_type is not None:
            refuse_model_errors(folder, answers)
            chosen.append((folder, "reasoning", task_type))
        elif opts.tasks:
            raise FacebenchError(
                f"task {folder.name!r} has no reasoning rubric type; name one with "
                f"--rubric {folder.name}=TYPE (expression, action_units, attributes, age, deepfake)"
            )
    return chosen


def run_judge(output: Path, judge: Judge, opts: JudgeOptions,
              progress_for: Callable[[str], Progress] | None = None) -> list[dict[str, Any]]:
    """Judge every planned folder; returns the summaries (and writes the tables unless dry-run)."""
    summaries = []
    for folder, protocol, task_type in plan(output, opts):
        progress = progress_for(f"{folder.parent.parent.name}/{folder.parent.name}/{folder.name}") if progress_for else None
        if protocol == "mmvet":
            summary = grade_task(folder, judge, repeats=opts.repeats,
                                 max_attempts=opts.max_attempts_mmvet, policy=opts.policy,
                                 dry_run=opts.dry_run, progress=progress)
        else:
            assert task_type is not None
            summary = rate_task(folder, judge, task_type, max_attempts=opts.max_attempts_reasoning,
                                dry_run=opts.dry_run, progress=progress)
        summaries.append(summary)
    if not opts.dry_run:
        write_tables(output)
    return summaries


def _num(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def incomplete(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summaries some judge call of which failed (their scores are null)."""
    return [s for s in summaries if not s.get("dry_run") and not s.get("complete", True)]


def summary_line(s: dict[str, Any]) -> str:
    """One line per judged folder for the terminal; ``n/a`` where a score does not exist."""
    head = f"{s['model']}/{s['task']} [{s['kind']}, {s['rubric']}]"
    if s.get("dry_run"):
        return f"{head}: {s['n_calls']} judge calls rendered (dry run, nothing sent)"
    tail = f"{s['new_calls']} new calls, cost {s['usage']['cost_usd']}"
    if s["kind"] == "mmvet":
        judged = f"graded by {', '.join(s['judge_models']) or 'no judge reply'}"
        if not s.get("same_judge_as_published"):
            judged += (f" (MM-Vet's published numbers were graded by {s['published_judge']}: "
                       f"--judge judge-{s['published_judge']})")
        if not s["complete"]:
            return (f"{head}: INCOMPLETE, {s['n_error_gradings']} of {s['n_gradings']} gradings failed; "
                    f"scores withheld (null) and left out of the tables; {s['n_graded']} graded, "
                    f"{s['n_unrated_gradings']} unrated; {tail}; {judged}")
        overall = s["overall"]
        return (f"{head}: overall {_num(overall['mean'], 1)} +- {_num(overall['std'], 1)} "
                f"({s['repeats']} repeats, {s['n_unrated_gradings']} unrated counted as "
                f"{'0' if s['policy'] == 'zero' else 'skipped'}, {tail}); {judged}")
    counts = f"rated {s['n_rated']}, unrated {s['n_unrated']}, errors {s['n_error']}"
    if not s["complete"]:
        return (f"{head}: INCOMPLETE, {counts}; means withheld (null) and left out of the tables; "
                f"{tail}")
    means = ", ".join(f"{k}={_num(v['mean'], 2)}" for k, v in s["criteria"].items())
    return f"{head}: {counts}; {means}; {tail}"
