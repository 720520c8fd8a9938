"""Metrics of the papers, as pure functions over lists/arrays.

Invalid predictions are passed as ``None`` and count as wrong (never dropped, never guessed);
each module's docstring states how. A failed model call is not a prediction: the scoring kinds
leave error rows out before calling these functions, and a metric over zero samples is ``None``
(JSON null), never 0 or NaN. Result keys are snake_case: ``accuracy``, ``uar``, ``war``,
``f1_mean``, ``mae``, ``macc``, ``format_valid_rate``.
"""

from facebench.metrics.action_units import au_f1_folds, f1_mean, per_au_f1
from facebench.metrics.attributes import grouped_accuracy, mean_accuracy, per_attribute_accuracy
from facebench.metrics.binary import binary_f1, mean_f1, per_label_f1
from facebench.metrics.bootstrap import (
    bootstrap_ci,
    bootstrap_metric,
    paired_bootstrap,
    paired_bootstrap_metric,
)
from facebench.metrics.classification import (
    INVALID,
    accuracy,
    confusion_matrix,
    per_class_recall,
    uar,
    war,
)
from facebench.metrics.folds import average_folds
from facebench.metrics.format import (
    format_valid_by,
    format_valid_over_results,
    format_valid_rate,
)
from facebench.metrics.regression import absolute_errors, mae, mae_report
from facebench.metrics.video import majority_vote, video_votes

__all__ = [
    "INVALID",
    "absolute_errors",
    "accuracy",
    "au_f1_folds",
    "average_folds",
    "binary_f1",
    "mean_f1",
    "per_label_f1",
    "bootstrap_ci",
    "bootstrap_metric",
    "confusion_matrix",
    "f1_mean",
    "format_valid_by",
    "format_valid_rate",
    "grouped_accuracy",
    "majority_vote",
    "mae",
    "mae_report",
    "mean_accuracy",
    "paired_bootstrap",
    "paired_bootstrap_metric",
    "per_attribute_accuracy",
    "per_au_f1",
    "per_class_recall",
    "format_valid_over_results",
    "uar",
    "video_votes",
    "war",
]
