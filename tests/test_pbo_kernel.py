"""The PBO's compiled kernel against plain numpy, to the bit, over tiles and groups of splits."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest

from analytics.overfitting import GROUP_ROWS, TILE_TRIALS, BlockSums, pbo_of_blocks

BLOCK_LEN = 25
WINNER, TWIN = 600, 1_040
"""Two trials alike in the first split's in-sample blocks (so their IS Sharpes tie there), the
twin far better out of sample; the winner comes first, in another tile of trials."""
SHADOWS = slice(700, 760)
"""Copies of the winner but for two out-of-sample blocks of the first split, one raised and one
lowered by the same amount: equal to it out of sample in exact arithmetic, and equal or an ulp
apart in floating point by the order of the additions. The winner's rank counts them."""


def block_sums(n_splits: int, n_trials: int, seed: int = 0) -> BlockSums:
    """Random block sums with every case the kernel must treat alike in a plain loop.

    A trial flat throughout (Sharpe 0), trials whose variance straddles a large ``flat``,
    copies (OOS ties) and the winner/twin tie of the first split's in-sample Sharpes.
    """
    rng = np.random.default_rng(seed)
    shape = (n_splits, n_trials)
    sums = rng.normal(0.0, 0.01 * np.sqrt(BLOCK_LEN), shape)
    squares = sums**2 / BLOCK_LEN + BLOCK_LEN * 1e-4 * rng.uniform(0.5, 2.0, shape)
    centre = rng.normal(0.0, 1e-4, n_trials)
    flat = np.full(n_trials, 1e-12)
    flat[::7] = 0.01  # a variance of about 1e-4 either side of flat**2
    sums[:, ::97], squares[:, ::97] = 0.0, 0.0
    copies = rng.integers(0, n_trials, size=(2, n_trials // 10))
    for target, source in copies.T:
        sums[:, target], squares[:, target] = sums[:, source], squares[:, source]
        centre[target], flat[target] = centre[source], flat[source]
    half = n_splits // 2  # the first split's in-sample blocks are the first half
    strong_sums = np.full(half, 0.1)  # 0.4% a day, a Sharpe of 0.4 a day: the best by far
    strong_squares = strong_sums**2 / BLOCK_LEN + BLOCK_LEN * 1e-4
    sums[:half, WINNER], squares[:half, WINNER] = strong_sums, strong_squares
    sums[:, TWIN], squares[:, TWIN] = sums[:, WINNER], squares[:, WINNER]
    centre[TWIN], flat[TWIN] = centre[WINNER], flat[WINNER]
    sums[half:, TWIN], squares[half:, TWIN] = strong_sums, strong_squares  # better OOS too
    for values in (sums, squares, centre, flat):
        values[..., SHADOWS] = values[..., [WINNER]]
    for values in (sums, squares):
        nudge = values[half, SHADOWS] * rng.uniform(-1e-3, 1e-3, size=60)
        values[half, SHADOWS] += nudge
        values[half + 1, SHADOWS] -= nudge
    return BlockSums(sums, squares, centre, flat, BLOCK_LEN)


def sharpes(total: np.ndarray, square: np.ndarray, blocks: BlockSums, n_obs: int) -> np.ndarray:
    """Per-period Sharpe (``ddof=1``) of sums of centred values; 0 at or below ``flat**2``."""
    variance = (square - total * total / n_obs) / (n_obs - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = (total / n_obs + blocks.centre) / np.sqrt(variance)
    return np.where(variance > blocks.flat * blocks.flat, sharpe, 0.0)


def reference_logits(blocks: BlockSums) -> tuple[list[float], list[int]]:
    """Plain numpy, split by split: the logits and each split's IS winner.

    The IS sums add the chosen blocks in turn from 0.0 and the OOS sums are the totals (all
    blocks in turn) minus them, the order a scalar loop adds them in.
    """
    n_splits, n_trials = blocks.sums.shape
    n_obs = blocks.block_len * n_splits // 2
    total_sum, total_square = np.zeros(n_trials), np.zeros(n_trials)
    for block in range(n_splits):
        total_sum, total_square = (
            total_sum + blocks.sums[block],
            total_square + blocks.squares[block],
        )
    logits, winners = [], []
    for chosen in combinations(range(n_splits), n_splits // 2):
        in_sum, in_square = np.zeros(n_trials), np.zeros(n_trials)
        for block in chosen:
            in_sum, in_square = in_sum + blocks.sums[block], in_square + blocks.squares[block]
        inside = sharpes(in_sum, in_square, blocks, n_obs)
        outside = sharpes(total_sum - in_sum, total_square - in_square, blocks, n_obs)
        winner = int(np.argmax(inside))  # the first of the best
        score = outside[winner]
        below, level = int(np.sum(outside < score)), int(np.sum(outside == score))
        omega = (below + (level + 1) / 2.0) / (n_trials + 1)
        logits.append(math.log(omega / (1.0 - omega)))
        winners.append(winner)
    return logits, winners


@pytest.mark.parametrize(("n_splits", "n_trials"), [(4, 1_100), (8, 1_100), (12, 1_045)])
def test_logits_are_those_of_plain_numpy_to_the_bit(n_splits: int, n_trials: int) -> None:
    blocks = block_sums(n_splits, n_trials)
    expected, _ = reference_logits(blocks)
    found = pbo_of_blocks(blocks, work=None)
    assert len(expected) % GROUP_ROWS  # a ragged last group of splits
    assert n_trials % TILE_TRIALS  # and a ragged last tile of trials
    np.testing.assert_array_equal(found.logits, np.array(expected))
    assert found.pbo == np.mean(np.array(expected) <= 0)


def test_the_data_has_the_cases_it_claims() -> None:
    """Ties, the floor on both sides and a flat trial occur, so the test above can fail."""
    blocks = block_sums(8, 1_100)
    _, winners = reference_logits(blocks)
    assert winners[0] == WINNER  # the first of the tie; the twin would rank near the top
    n_obs = blocks.block_len * 4
    in_sum, in_square = blocks.sums[:4].sum(axis=0), blocks.squares[:4].sum(axis=0)
    variance = (in_square - in_sum**2 / n_obs) / (n_obs - 1)
    floored = blocks.flat > 1e-6
    assert (variance[floored] > blocks.flat[floored] ** 2).any()
    assert (variance[floored] <= blocks.flat[floored] ** 2).any()
    outside = sharpes(
        blocks.sums.sum(axis=0) - in_sum, blocks.squares.sum(axis=0) - in_square, blocks, n_obs
    )
    assert outside[TWIN] > outside[WINNER]
    assert len(np.unique(outside)) < len(outside) - 50  # copies tie out of sample
    shadows = outside[SHADOWS]
    np.testing.assert_allclose(shadows, outside[WINNER], rtol=1e-13)
    assert (shadows == outside[WINNER]).any()
    assert (shadows != outside[WINNER]).any()
