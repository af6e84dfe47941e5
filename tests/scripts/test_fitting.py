"""The threshold rule shared by fitting scripts: the centre of the best accuracy plateau, not a lone peak."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from fitting import plateau_threshold  # noqa: E402

GRID = np.round(np.linspace(0.2, 0.8, 61), 2)


def test_a_lone_spike_loses_to_a_broad_plateau():
    # 17 of 20 right only at 0.30-0.31 (a narrow spike), 16 of 20 right anywhere from 0.61 to 0.90.
    p = np.array([0.29] * 3 + [0.31] * 4 + [0.60] * 3 + [0.95] * 10)
    y = np.array([0] * 3 + [1] * 4 + [0] * 3 + [1] * 10)
    plain = max(GRID, key=lambda t: np.mean((p >= t) == y))
    assert plain in (0.30, 0.31)
    assert 0.61 <= plateau_threshold(p, y, GRID) <= 0.80


def test_separable_scores_get_the_middle_of_the_gap_nearest_one_half():
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    y = np.array([0, 0, 0, 1, 1, 1])
    assert plateau_threshold(p, y, GRID) == 0.5


def test_the_choice_follows_the_plateau_when_it_moves():
    y = np.array([0] * 20 + [1] * 20)
    low = np.concatenate([np.linspace(0.1, 0.35, 20), np.linspace(0.45, 0.9, 20)])
    high = np.concatenate([np.linspace(0.1, 0.55, 20), np.linspace(0.65, 0.9, 20)])
    assert plateau_threshold(low, y, GRID) < plateau_threshold(high, y, GRID)


def test_the_shipped_threshold_stays_unless_another_is_better_by_more_than_one_row():
    y = np.array([0] * 20 + [1] * 20)
    p = np.concatenate([np.linspace(0.1, 0.45, 20), np.linspace(0.56, 0.9, 20)])
    best = plateau_threshold(p, y, GRID)
    assert plateau_threshold(p, y, GRID, keep=0.47) == 0.47  # as good as the best within one row
    assert plateau_threshold(p, y, GRID, keep=0.30) == best  # worse by several rows: replaced
    assert plateau_threshold(p, y, GRID, keep=0.475) == best  # not on the grid: a fresh choice
