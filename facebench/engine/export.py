"""``facebench export``: every request of a set of tasks, without targets.

A user can run any model anywhere on these rows and bring the answers back with the
``replay`` adapter (``{"task", "id", "response"}`` per line).
"""

from __future__ import annotations

from pathlib import Path

from facebench.engine.runner import RunOptions, select_samples
from facebench.engine.store import write_jsonl
from facebench.tasks.task import Task


def export_requests(tasks: list[Task], opts: RunOptions, out_file: Path) -> int:
    """Write the requests of ``tasks`` under the run's protocol; each row names its protocol
    variant and style, so answers brought back with ``replay`` land in the matching run."""
    rows = []
    for original in tasks:
        setup = opts.setup(original)
        task, style = setup.task, setup.style
        samples = select_samples(task.load_samples(opts.data_dir(task)), opts.limit, opts.seed)
        for request, _target, _sample in task.build_requests(samples, style, opts.seed, setup.face_crop):
            row = request.to_dict()
            row.pop("meta", None)  # parser bookkeeping; may hint at the answer space only
            row["style"] = task.style(style)[0]
            row["protocol"] = setup.variant
            rows.append(row)
    write_jsonl(Path(out_file), rows)
    return len(rows)
