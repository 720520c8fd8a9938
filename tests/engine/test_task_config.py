"""Task YAML: validation errors name the file and key; ``include`` merges shared definitions."""

from __future__ import annotations

import pytest

from facebench.errors import ConfigError
from facebench.tasks.config import load_task_config

BASE = """
name: t
title: T
data_dir: T
loader: rafdb
classes: [a, b]
metrics: [accuracy]
primary_metric: accuracy
"""


def test_include_merges_shared_file_and_task_keys_win(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared/common.yaml").write_text(
        "default_style: s1\nstyles:\n  s1: {template: a.jinja, parser: yes_no}\n"
        "  s2: {template: b.jinja, parser: number}\nprotocol: shared\n"
    )
    task = tmp_path / "t.yaml"
    task.write_text(BASE + "include: common\nprotocol: own\nstyles:\n  s2: {template: c.jinja, parser: number}\n")
    config = load_task_config(task)
    assert config.protocol == "own"
    assert config.styles["s1"].template == "a.jinja"  # from the shared file
    assert config.styles["s2"].template == "c.jinja"  # mappings merge key by key; the task wins


def test_include_errors_name_the_file(tmp_path):
    task = tmp_path / "t.yaml"
    task.write_text(BASE + "include: nowhere\n")
    with pytest.raises(ConfigError, match=r"t\.yaml: include 'nowhere'"):
        load_task_config(task)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared/loop.yaml").write_text("include: loop\n")
    task.write_text(BASE + "include: loop\n")
    with pytest.raises(ConfigError, match="include cycle"):
        load_task_config(task)


def test_misspelt_key_is_named(tmp_path):
    task = tmp_path / "t.yaml"
    task.write_text(BASE + "default_style: s\nstyles:\n  s: {template: a.jinja, parser: yes_no, max_tokens: 3}\n")
    with pytest.raises(ConfigError) as err:
        load_task_config(task)
    assert "t.yaml" in str(err.value) and "styles.s.max_tokens" in str(err.value)
