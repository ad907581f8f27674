"""The Celery fan-outs' batches: a large unit alone, small ones together, nothing lost or repeated."""

from __future__ import annotations

import random

from processors.pipeline.celery_steps import work_batches


def test_large_units_run_alone_and_small_ones_share_a_task():
    weights = {"RCPT_CD": 500, "EXPN_CD": 300, "SMRY_CD": 100, **{f"T{i}": 1 for i in range(77)}}
    batches = work_batches(weights, parts=32)
    assert batches[:3] == [["RCPT_CD"], ["EXPN_CD"], ["SMRY_CD"]]
    # 977 in all: a unit under 977/32 ~ 30.5 shares its task until the batch reaches that weight.
    assert [len(b) for b in batches[3:]] == [31, 31, 15]
    assert len(batches) == 6


def test_every_unit_is_in_exactly_one_batch_heaviest_first():
    rng = random.Random(7)
    for _ in range(200):
        weights = {f"u{i}": rng.choice([0, 1, 5, 50, 10_000, rng.randrange(1, 10**9)]) for i in range(rng.randrange(1, 200))}
        batches = work_batches(weights)
        units = [u for batch in batches for u in batch]
        assert sorted(units) == sorted(weights) and all(batches)
        assert [weights[u] for u in units] == sorted(weights.values(), reverse=True)
        limit = sum(weights.values()) / 32
        # Every batch but the last of the small ones weighs at least the limit or is one unit.
        assert all(len(b) == 1 or sum(weights[u] for u in b) >= limit for b in batches[:-1])


def test_nothing_to_do_is_no_batch():
    assert work_batches({}) == []
    assert work_batches({"only": 0}) == [["only"]]
