"""Classification metrics against hand-computed values; invalid predictions count as wrong."""

from __future__ import annotations

import pytest

import facebench.metrics as M

LABELS = ["happy", "sad", "angry"]
# 4 happy, 2 sad, 1 angry; predictions: happy 3/4 right (one invalid), sad 1/2, angry 0/1
Y_TRUE = ["happy", "happy", "happy", "happy", "sad", "sad", "angry"]
Y_PRED = ["happy", "happy", "happy", None, "sad", "happy", "sad"]


def test_accuracy() -> None:
    assert M.accuracy(Y_TRUE, Y_PRED) == pytest.approx(4 / 7)
    assert M.accuracy([], []) is None
    assert M.accuracy([(1, 2)], [(1, 2)]) == 1.0


def test_per_class_recall() -> None:
    assert M.per_class_recall(Y_TRUE, Y_PRED, LABELS) == {"happy": 0.75, "sad": 0.5, "angry": 0.0}
    assert M.per_class_recall(["happy"], ["happy"], LABELS)["sad"] is None


def test_uar_and_war() -> None:
    assert M.uar(Y_TRUE, Y_PRED, LABELS) == pytest.approx((0.75 + 0.5 + 0.0) / 3)
    assert M.war(Y_TRUE, Y_PRED, LABELS) == pytest.approx(4 / 7)
    # a label absent from the targets does not enter UAR
    assert M.uar(["happy", "sad"], ["happy", "happy"], LABELS) == pytest.approx(0.5)


def test_confusion_matrix_has_fixed_order_and_invalid_column() -> None:
    cm = M.confusion_matrix(Y_TRUE, Y_PRED, LABELS)
    assert cm["columns"] == ["happy", "sad", "angry", "invalid"]
    assert cm["matrix"] == [[3, 0, 0, 1], [1, 1, 0, 0], [0, 1, 0, 0]]
    # a prediction outside the labels is invalid too
    assert M.confusion_matrix(["sad"], ["contempt"], LABELS)["matrix"][1] == [0, 0, 0, 1]


def test_invalid_is_never_dropped() -> None:
    assert M.accuracy(["happy", "sad"], ["happy", None]) == 0.5
    assert M.uar(["happy", "sad"], ["happy", None], LABELS) == 0.5


def test_errors() -> None:
    with pytest.raises(ValueError):
        M.accuracy(["a"], [])
    with pytest.raises(ValueError, match="not in labels"):
        M.uar(["fear"], ["fear"], LABELS)


def test_format_valid_rate() -> None:
    assert M.format_valid_rate(Y_PRED) == pytest.approx(6 / 7)
    assert M.format_valid_rate([]) is None
    by = M.format_valid_by(["m1", "m1", "m2"], ["a", None, None])
    assert by == {"m1": 0.5, "m2": 0.0}


def test_average_folds() -> None:
    f1 = {"uar": 0.5, "war": 0.6, "per_class_recall": {"a": 1.0, "b": None},
          "confusion_matrix": {"labels": ["a"], "columns": ["a", "invalid"], "matrix": [[1, 1]]}}
    f2 = {"uar": 0.7, "war": 0.8, "per_class_recall": {"a": 0.0, "b": 0.5},
          "confusion_matrix": {"labels": ["a"], "columns": ["a", "invalid"], "matrix": [[2, 0]]}}
    out = M.average_folds({"1": f1, "2": f2})
    assert out["uar"] == pytest.approx(0.6) and out["war"] == pytest.approx(0.7)
    assert out["per_class_recall"] == {"a": 0.5, "b": 0.5}
    assert out["confusion_matrix"]["matrix"] == [[3, 1]]
    assert out["n_folds"] == 2 and set(out["per_fold"]) == {"1", "2"}
