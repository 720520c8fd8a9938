"""Dataset loaders: one module per dataset, each reading the dataset's official on-disk layout.

A loader is a function ``load(root: Path, **options) -> Iterable[Sample]``. It raises
:class:`~facebench.errors.DatasetError` naming the missing file or the bad line. It does not
open media files: a missing or corrupt image becomes an error row at inference time, so one
broken file never stops a run.
"""
