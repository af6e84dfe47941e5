"""The shipped models match what they were fitted on, and a drifted input or library is reported."""
from __future__ import annotations

import copy

from imaging_tutor.fitted import FittedModels, stale_reasons


def test_the_shipped_models_match_their_training_files_models_and_installed_libraries():
    assert FittedModels.packaged().stale_reasons() == []


def test_a_model_fitted_under_another_library_release_is_reported():
    model = copy.deepcopy(FittedModels.packaged().followup)
    model["versions"]["sentence-transformers"] = "0.0.1"
    reasons = stale_reasons("followup", model)
    assert len(reasons) == 1 and "sentence-transformers 0.0.1" in reasons[0]


def test_a_changed_training_file_is_reported():
    model = copy.deepcopy(FittedModels.packaged().followup)
    first = next(iter(model["training_files"]))
    model["training_files"][first] = "0" * 16
    assert stale_reasons("followup", model) == [f"followup model: {first} changed since it was fitted"]
