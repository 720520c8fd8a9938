"""AU F1, MAE, attributes, video vote: hand-computed examples."""

from __future__ import annotations

import pytest

import facebench.metrics as M

CODES = [1, 2, 4]
# AU1: TP 1, FN 1, FP 1 -> F1 = 2/(2+1+1) = 0.5
# AU2: TP 2 -> 1.0 ; AU4: never present, never predicted -> undefined
AU_TRUE = [{1, 2}, {1, 2}, set()]
AU_PRED = [{1, 2}, {2}, {1}]


def test_per_au_f1_and_mean() -> None:
    assert M.per_au_f1(AU_TRUE, AU_PRED, CODES) == {1: 0.5, 2: 1.0, 4: None}
    assert M.f1_mean(AU_TRUE, AU_PRED, CODES) == pytest.approx(0.75)


def test_no_positive_zero_rule_matches_emola() -> None:
    assert M.per_au_f1(AU_TRUE, AU_PRED, CODES, no_positive="zero")[4] == 0.0
    assert M.f1_mean(AU_TRUE, AU_PRED, CODES, no_positive="zero") == pytest.approx(0.5)


def test_invalid_au_prediction_is_wrong_everywhere() -> None:
    # sample 2 unparseable: AU1, AU2 become FN, AU4 becomes FP
    per_au = M.per_au_f1(AU_TRUE, [{1, 2}, None, {1}], CODES)
    assert per_au == {1: pytest.approx(2 / 4), 2: pytest.approx(2 / 3), 4: 0.0}


def test_unannotated_cells_are_excluded() -> None:
    # BP4D: 9 = not annotated; that sample's AU2 cell is ignored, an FP there does not count
    truth = [{1: 1, 2: 9}, {1: 0, 2: 1}]
    assert M.per_au_f1(truth, [{1, 2}, {2}], [1, 2]) == {1: 1.0, 2: 1.0}


def test_au_folds() -> None:
    out = M.au_f1_folds({"1": (AU_TRUE, AU_PRED), "2": ([{1}], [{1}])}, CODES)
    assert out["per_fold"]["1"]["f1_mean"] == pytest.approx(0.75)
    assert out["per_fold"]["2"]["f1_mean"] == pytest.approx(1.0)
    assert out["f1_mean"] == pytest.approx(0.875)
    assert out["per_au_f1"] == {1: 0.75, 2: 1.0, 4: None}


def test_mae_policies() -> None:
    t, p = [20, 30, 40], [25, None, 40]
    assert M.mae(t, p) == pytest.approx(2.5)  # exclude: (5 + 0) / 2
    assert M.mae(t, p, invalid="worst") == pytest.approx((5 + 70 + 0) / 3)  # |30-100|
    assert M.mae(t, p, invalid=35) == pytest.approx((5 + 5 + 0) / 3)
    assert M.mae([1], [None]) is None
    report = M.mae_report(t, p)
    assert report == {"mae": 2.5, "n_valid": 2, "n_invalid": 1, "format_valid_rate": 2 / 3}
    with pytest.raises(ValueError):
        M.mae(t, p, invalid="guess")


def test_attribute_accuracy() -> None:
    attrs = ["Male", "Smiling", "Young"]
    truth = [{"Male": 1, "Smiling": -1, "Young": 1}, {"Smiling"}]
    pred = [("Male",), None]
    per = M.per_attribute_accuracy(truth, pred, attrs)
    # image 1: Male right, Smiling right (absent), Young wrong; image 2 invalid: all wrong
    assert per == {"Male": 0.5, "Smiling": 0.5, "Young": 0.0}
    assert M.mean_accuracy(per) == pytest.approx(1 / 3)


def test_grouped_accuracy_for_yes_no_questions() -> None:
    out = M.grouped_accuracy(["Male", "Male", "Young"], ["yes", "no", "yes"], ["yes", None, "no"])
    assert out == {"Male": 0.5, "Young": 0.0}
    assert M.mean_accuracy(out) == 0.25


def test_majority_vote() -> None:
    assert M.majority_vote(["fake", "fake", "real"]) == "fake"
    assert M.majority_vote(["fake", None, None]) == "fake"  # unreadable chunks abstain
    assert M.majority_vote(["fake", "real"]) is None  # tie -> invalid
    assert M.majority_vote([None, None]) is None
    votes = M.video_votes(["v1", "v1", "v2", "v1"], ["real", "fake", "fake", "real"])
    assert votes == {"v1": "real", "v2": "fake"}
