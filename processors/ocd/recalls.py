"""Recalls: a RetentionContest (+ Yes/No options) per office at stake in a recall election (rules in docs/ocd-processing.md)."""

from __future__ import annotations

from .common import STATE_DIVISION, ocd_id_sql, related


def recalls_build(*, cursor, params: dict) -> None:
    """One RetentionContest per (recall election, post) a kept candidacy names.

    The candidacies of a recall election are for the successor (their
    CandidateContest); the question whether to recall the holder is this
    contest. CAL-ACCESS does not say who holds the office, so its membership
    is empty.
    """
    cursor.execute(
        f"""INSERT INTO opencivicdata_retentioncontest (id, name, division_id, election_id, description, requirement,
              membership_id, runoff_for_contest_id, created_at, updated_at, extras)
            SELECT {ocd_id_sql("contest", "'recall:' || r.election_key || ':' || r.post_key")}, 'Recall: ' || p.label,
              coalesce(p.division_id, %(state)s), {ocd_id_sql("election", "r.election_key")},
              'Shall the holder of the office of ' || p.label || ' be recalled?', '50%% plus one vote', NULL, NULL,
              %(ts)s, %(ts)s, jsonb_build_object('ocd_post_id', p.id)
            FROM (SELECT DISTINCT election_key, post_key FROM ocd_cand WHERE e_class = 'recall') AS r
            JOIN opencivicdata_post AS p ON p.id = {ocd_id_sql("post", "r.post_key")}""",
        {**params, "state": STATE_DIVISION},
    )
    cursor.execute(
        f"""INSERT INTO opencivicdata_retentioncontestoption (id, contest_id, text)
            SELECT {related("retentioncontestoption", "r.id || ':' || o.text")}, r.id, o.text
            FROM opencivicdata_retentioncontest AS r CROSS JOIN (VALUES ('Yes'), ('No')) AS o(text)"""
    )
