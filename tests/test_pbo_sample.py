"""The PBO of a large grid from a random sample of the splits, with its error stated."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.overfitting import MIN_PBO_SAMPLE, BlockSums, pbo, pbo_of_blocks


@pytest.fixture
def performance() -> np.ndarray:
    rng = np.random.default_rng(7)
    # 400 trials, some with a small persistent edge, so the PBO is neither 0 nor 1
    edge = rng.normal(0, 2e-4, size=400)
    return rng.normal(0, 0.01, size=(640, 400)) + edge


def test_a_sample_is_near_the_exhaustive_pbo_within_its_error(performance: np.ndarray) -> None:
    exact = pbo(performance)
    assert exact.of_combinations == exact.n_combinations == 12_870
    assert exact.standard_error == 0.0
    sampled = pbo_of_blocks(BlockSums.of(performance), work=400 * 1_500)
    assert sampled.n_combinations == 1_500
    assert sampled.of_combinations == 12_870
    share = np.mean(sampled.logits <= 0)
    by_hand = np.sqrt(share * (1 - share) / 1_500 * (1 - 1_500 / 12_870))
    assert sampled.standard_error == pytest.approx(by_hand, rel=1e-12)
    assert 0 < sampled.standard_error < 0.02
    assert abs(sampled.pbo - exact.pbo) < 4 * sampled.standard_error + 1e-12


def test_the_sample_is_a_subset_of_the_exhaustive_logits(performance: np.ndarray) -> None:
    exact = pbo(performance)
    sampled = pbo_of_blocks(BlockSums.of(performance), work=1)
    assert sampled.n_combinations == MIN_PBO_SAMPLE
    assert np.isin(sampled.logits, exact.logits).all()
    again = pbo_of_blocks(BlockSums.of(performance), work=1)
    np.testing.assert_array_equal(again.logits, sampled.logits)


def test_small_work_is_exhaustive(performance: np.ndarray) -> None:
    found = pbo_of_blocks(BlockSums.of(performance))
    assert found.n_combinations == 12_870
    assert found.pbo == pbo(performance).pbo
