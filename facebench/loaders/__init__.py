"""Dataset loaders: one module per dataset, each reading the dataset's official on-disk layout.

A loader is a function ``load(root: Path, **options) -> Iterable[Sample]``. It raises
:class:`~facebench.errors.DatasetError` naming the missing file or the bad line. It does not
open media files: a missing or corrupt image becomes an error row at inference time, so one
broken file never stops a run.

Two rules hold for every loader, each kept in one helper:

- text files are read through :mod:`facebench.loaders.text`, so bytes that are not UTF-8 are
  an error naming the file and line, not a ``UnicodeDecodeError``;
- a media path read from a file (annotation, manifest) goes through
  :func:`facebench.loaders.paths.inside_root`, so it can never lead outside the dataset.
"""
