"""Values of the synthetic export drawn to follow the real one (processors/sample/data): per record
from large pools for many-valued columns (names, addresses), and from the real profile's empty
shares and codes for the columns CALIBRATED names."""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator

from processors.ingest.schema import Column
from . import values
from .plan import _mix
from .real_profile import real_column, real_fill_share


# Columns processing reads whose values come from the real profile: its empty share and, for codes,
# its common values in their proportions (the rest of the pool keeps the generator's own values).
CALIBRATED = {"EXPN_CD": ("EXPN_CODE", "EXPN_DSCR")}


def calibrated_pool(table: str, column: Column, rng: random.Random) -> list[str]:
    real = real_column(table, column.name)
    own = values.value_pool(column, table, rng)
    common = [v for v, n in real["common"].items() for _ in range(n)]
    pool = []
    for k in range(values.POOL_SIZE):
        roll = rng.random() * 100
        if roll < real["empty_pct"]:
            pool.append("")
        elif common and rng.random() < 0.9:
            pool.append(values.fit(rng.choice(common), column))
        else:
            pool.append(own[k])
    return pool


def many_valued_keys(table: str, columns: list[Column], keyed: list[str], keys: Iterator, rng: random.Random, *,
                     groups: dict[str, str | None], optional_fill: float) -> tuple[list[str], Iterator]:
    """Names and addresses drawn per record from large pools (values.many_valued_pool).

    Blank as often as the real export's column where its profile has it; else as the
    templates blank their column group (`groups`: column -> group, or None when always
    filled; a group is filled in `optional_fill` of records), the group's columns together.
    """
    many = [c for c in columns if c.name not in keyed and values.many_valued_kind(c)]
    if not many:
        return keyed, keys
    pools = [values.many_valued_pool(c, rng) for c in many]  # keys are not %-formatted: no escaping
    group_of = [groups[c.name] for c in many]
    # A column the real profile has is filled as often as the real one (RCPT_CD's CTRIB_NAMF in 68% of
    # records: committees have no first name); else as its template group is.
    real = [real_fill_share(table, c.name) for c in many]
    fills = [int(1000 * (share if share is not None else optional_fill if g else 1)) for share, g in zip(real, group_of)]
    table_salt = zlib.crc32(table.encode())
    salts = [_mix(table_salt, i, 7) for i in range(len(many))]
    # Columns of one template group are blanked together; a profiled column on its own.
    group_salts = [_mix(table_salt, 11, *(ord(ch) for ch in g)) if g and share is None else _mix(salt, 13)
                   for g, share, salt in zip(group_of, real, salts)]
    size = values.MANY_VALUED_POOL

    def drawn() -> Iterator[tuple[str, ...]]:
        for j, key in enumerate(keys):
            yield (*key, *("" if _mix(j, group_salt) % 1000 >= fill else pool[_mix(j, salt) % size]
                           for pool, fill, group_salt, salt in zip(pools, fills, group_salts, salts)))

    return [*keyed, *(c.name for c in many)], drawn()
