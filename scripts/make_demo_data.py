"""Regenerate the embedded demo data in facebench/demo_data (one tree per dataset layout).

    python scripts/make_demo_data.py

The output is committed; it is what ``facebench run --model random --tasks all`` evaluates
when no ``--data-root`` is given.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facebench.fixtures import write_all  # noqa: E402


def main() -> None:
    target = ROOT / "facebench" / "demo_data"
    if target.exists():
        shutil.rmtree(target)
    names = write_all(target, seed=0)
    size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    print(f"wrote {', '.join(names)} to {target} ({size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
