"""The clean records of each synthetic table, as a pool of templates and a stream of keys.

Writing tens of millions of records one value at a time would be far too
slow, so a table's values come from a pool of precomputed record templates
(`%`-format strings) and only the columns that tie records together (filer
and filing ids, amendment numbers, line items, a cover's filer name) are
filled in per record. Keys make every record distinct, so a copy of a line
in the file is always an injected duplicate.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from . import values
from .plan import (
    CHAINED_TABLES,
    FILER_ID_BASE,
    FILER_SLOTS,
    ExportPlan,
    FilingSeries,
    _mix,
    cover_candidate,
    cover_election_date,
    election_day,
    export_day,
    filer_profile,
    fixed_table_rows,
    legacy_filer_id,
    table_series_name,
)
from processors.ingest.schema import INTEGER, TEXT, Column, TableSchema
from .calibrated import CALIBRATED, calibrated_pool, many_valued_keys

TEMPLATE_POOL = 2048

# Values a table's schedule rows carry (Form 460 schedules A/C for receipts, E for expenditures...).
FORM_TYPES = {
    "RCPT_CD": ("A",) * 6 + ("C", "C", "I"),
    "EXPN_CD": ("E",) * 8 + ("G", "F461P5"),
    "LOAN_CD": ("B1", "B1", "B2", "H"),
    "DEBT_CD": ("F",),
    "SMRY_CD": ("F460", "F460", "F460", "A", "B1", "C", "E", "F", "G", "H", "I"),
    "S497_CD": ("F497P1", "F497P1", "F497P2"),
    "S496_CD": ("F496",),
    "S498_CD": ("F498-A", "F498-R"),
    "S401_CD": ("F401A", "F401B", "F401C", "F401D"),
    "TEXT_MEMO_CD": ("F460", "A", "E", "B1", "F497"),
    "CVR2_CAMPAIGN_DISCLOSURE_CD": ("F460",),
    "CVR3_VERIFICATION_INFO_CD": ("F460",),
    "LEXP_CD": ("F615P1", "F625P3A", "F635P3C"),
    "LPAY_CD": ("F625P2", "F635P3B"),
}
SPLIT_FORMS = ("A", "C", "E", "F450P5")
# Column groups (name prefix) that are filled in most records; the others of
# these tables are mostly blank, as in the real export.
CORE_GROUPS = {
    "RCPT_CD": {"AMOUNT", "CTRIB", "ENTITY", "FORM", "RCPT", "REC", "TRAN", "CUM", "MEMO", "DATE", "TRAN"},
    "EXPN_CD": {"AMOUNT", "PAYEE", "ENTITY", "EXPN", "FORM", "REC", "TRAN", "CUM", "MEMO"},
    "SMRY_CD": {"AMOUNT", "FORM", "REC", "LINE", "ELEC"},
    "LOAN_CD": {"LOAN", "LNDR", "ENTITY", "FORM", "REC", "TRAN"},
    "DEBT_CD": {"AMT", "BEG", "END", "PAYEE", "ENTITY", "EXPN", "FORM", "REC", "TRAN"},
}
OPTIONAL_FILL = 0.12
# Cover ENTITY_CD by filer slot: candidates CAO, controlled committees (4-7) CTL, others RCP (real: RCP, CTL, MDI...).
COVER_ENTITY = {0: "CAO", 4: "CTL", 5: "CTL", 6: "CTL", 7: "CTL", 12: "MDI", 13: "SMO", 10: "BMC", 11: "BMC"}


@dataclass
class TableRows:
    """How to write one table: its columns, record templates and the keys of each record."""

    columns: list[Column]
    templates: list[str]
    keys: Iterator[tuple[str, ...]]


def _session(day: dt.date) -> str:
    return str(day.year if day.year % 2 else day.year - 1)  # two-year sessions start in odd years


def _filing_context(plan: ExportPlan, table: str, series: FilingSeries, filing: int, amend_id: int) -> dict[str, str]:
    filer = plan.filing_filer(series, filing)
    ctx = {
        "FILING_ID": str(series.filing_id(filing)), "AMEND_ID": str(amend_id), "FILING_SEQUENCE": str(amend_id),
        "FILER_ID": str(FILER_ID_BASE + filer),
    }
    if table == "S497_CD":
        # A late contribution names its filing's election: the cover's ELECT_DATE (real: ELEC_DATE filled on a
        # quarter of S497_CD rows, ELECT_DATE on about as many covers).
        ctx["ELEC_DATE"] = cover_election_date(plan.seed, filer, filing)
    if table not in COVER_TABLES:
        return ctx
    day = plan.filing_date(series, filing, amend_id)
    form = plan.filing_form(series, filing, filer)
    start = dt.date(day.year, 1 if day.month <= 6 else 7, 1)
    ctx.update({
        "FORM_TYPE": form, "FORM_ID": form, "REC_TYPE": "CVR", "FILING_DATE": export_day(day), "RPT_DATE": export_day(day),
        "FROM_DATE": export_day(start), "RPTFROMDT": export_day(start), "RPT_START": export_day(start),
        "THRU_DATE": export_day(day - dt.timedelta(days=5)), "RPTTHRUDT": export_day(day - dt.timedelta(days=5)),
        "RPT_END": export_day(day - dt.timedelta(days=5)), "SESSION_ID": _session(day),
    })
    if table == "FILER_FILINGS_CD":  # the index of filings: no names
        return ctx
    p = filer_profile(plan.seed, filer)
    slot = filer % len(FILER_SLOTS)
    ctx.update({
        "FILER_NAML": p["NAML"], "FILER_NAMF": p["NAMF"], "FILER_CITY": p["CITY"], "FILER_ST": p["ST"],
        "FILER_ZIP4": p["ZIP4"], "FILER_PHON": p["PHON"], "CITY": p["CITY"], "ST": p["ST"], "ZIP4": p["ZIP4"],
        "ENTITY_CD": COVER_ENTITY.get(slot, "CAO" if slot < 4 else "RCP" if slot < 14 else "LBY"),
        # STMT_TYPE is empty on about two thirds of real covers (most are Form 497s, which have none).
        "REPORT_NUM": f"{amend_id:03d}",
        "STMT_TYPE": "" if _mix(plan.seed, filing, 9) % 100 < 64 else "PE" if day.month in (4, 5, 9, 10) else "SA",
        "CAND_NAML": "", "CAND_NAMF": "", "CAND_NAMT": "", "CAND_NAMS": "", "CAND_ID": "", "OFFICE_CD": "",
        "OFFIC_DSCR": "", "DIST_NO": "", "JURIS_CD": "", "JURIS_DSCR": "", "ELECT_DATE": "", "BAL_NAME": "",
        "BAL_NUM": "", "BAL_JURIS": "", "SUP_OPP_CD": "",
    })
    candidate = cover_candidate(plan.seed, filer, filing)
    if candidate is not None:
        # The race by letter codes (real covers: OFFICE_CD 85% empty); CAND_ID is empty on every real cover,
        # and the name mostly in the filer's own case ("Smith": CAND_NAML Aa 60%, A 10%) where Form 501s
        # write "SMITH" (A 94%). The answer key has who it is (plan.cover_candidate_truths).
        case = str.title if _mix(plan.seed, filing, 11) % 7 else str
        ctx.update({
            "CAND_NAML": case(candidate["NAML"]), "CAND_NAMF": case(candidate["NAMF"]), "OFFICE_CD": candidate["OFFICE"],
            "OFFIC_DSCR": candidate["OFFICE_DSCR"].title() if candidate["OFFICE"] == "OTH" else "",
            "DIST_NO": candidate["DIST_NO"], "JURIS_CD": candidate["JURIS_CD"],
            "JURIS_DSCR": candidate["AGENCY_NAM"] if candidate["OFFICE_LEVEL"] != "state" else "",
        })
    if "BAL_NAME" in p:
        # A measure committee's cover names the measure and the (general) election it is on.
        ctx.update({"BAL_NAME": p["BAL_NAME"], "BAL_NUM": p["BAL_NUM"], "BAL_JURIS": "STATEWIDE", "SUP_OPP_CD": p["SUP_OPP_CD"]})
    ctx["ELECT_DATE"] = cover_election_date(plan.seed, filer, filing)
    if table == "F501_502_CD":
        ctx.update(_form501(plan, filing, amend_id, p, day))
    return ctx


def _form501(plan: ExportPlan, filing: int, amend_id: int, p: dict[str, str], day: dt.date) -> dict[str, str]:
    """A Form 501 (or, FORM_TYPE F502, a bank account statement in the same table) as the real export fills it.

    No ELECT_DATE, FROM_DATE or THRU_DATE; the election is YR_OF_ELEC (empty in
    8%) and ELEC_TYPE (a 3000 code, 0 in about half); OFFICE_CD a 30000 code or,
    in a third, 0 with the office in OFFIC_DSCR (title case, padded to 50
    characters); the district a 17000 code (DIST_NO empty); PARTY_CD empty in a
    third and 0 in a sixth, the PARTY text rarely filled (docs: real-export.md).
    """
    h = _mix(plan.seed, filing, 501)
    coded = h % 3 != 0
    party = (h >> 8) % 6
    return {
        "FILER_ID": p["NEGATIVE_ID"] if p["NEGATIVE_ID"] and (h >> 28) % 4 == 0 else p["FILER_ID"], "CAND_NAML": p["NAML"], "CAND_NAMF": p["NAMF"], "JURIS_DSCR": "",
        "ELECT_DATE": "", "FROM_DATE": "", "THRU_DATE": "",
        "OFFICE_CD": p["OFFICE_CODE"] if coded else "0",
        "OFFIC_DSCR": (p["OFFICE_DSCR"] if (h >> 2) % 2 else "") if coded else p["OFFICE_DSCR"].title().ljust(50),
        "AGENCY_NAM": p["AGENCY_NAM"] if (h >> 3) % 6 else "",
        "JURIS_CD": p["JURIS_F501"] if (h >> 6) % 2 else "0",
        "DISTRICT_CD": p["DISTRICT_CD"], "DIST_NO": "",
        "PARTY_CD": "" if party < 2 else "0" if party == 2 else p["PARTY_CD"],
        "PARTY": p["PARTY"] if (h >> 12) % 40 == 0 else "",
        "YR_OF_ELEC": "" if (h >> 16) % 12 == 0 else p["ELECT_YEAR"], "ELEC_TYPE": p["ELECT_TYPE"],
        "COMMITTEE_ID": str(int(p["FILER_ID"]) + 4) if (h >> 20) % 7 < 3 else "", "ENTITY_CD": "8",
        "EXECUTE_DT": export_day(day), "CAND_CITY": p["CITY"], "CAND_ST": p["ST"], "CAND_ZIP4": p["ZIP4"],
        "STMT_TYPE": "10002" if amend_id else "10003" if (h >> 24) % 16 == 0 else "10001",
    }


# One record per filing version; their covers carry the filer's name and candidacy.
COVER_TABLES = {
    "CVR_CAMPAIGN_DISCLOSURE_CD", "FILER_FILINGS_CD", "F501_502_CD", "CVR_SO_CD", "CVR_REGISTRATION_CD",
    "CVR_LOBBY_DISCLOSURE_CD", "CVR_E530_CD",
}


def _filing_keys(plan: ExportPlan, table: str, columns: list[Column], n: int) -> tuple[list[str], Iterator]:
    """Records spread evenly over the versions of the table's filing series, line items numbered per version."""
    names = [c.name for c in columns]
    chained = CHAINED_TABLES.get(table, 0)
    if chained == 0:
        series_list = [plan.series[table_series_name(table)]]
    else:
        series_list = [plan.series[s] for s in (chained or plan.series)]
    probe = _filing_context(plan, table, series_list[0], 0, 0)
    keyed = [c for c in columns if c.name in probe]
    line_at = names.index("LINE_ITEM") if "LINE_ITEM" in names else None
    if line_at is not None:
        keyed.append(columns[line_at])
    per_filing = "AMEND_ID" not in names and "FILING_SEQUENCE" not in names and chained == 0

    def keys() -> Iterator[tuple[str, ...]]:
        if chained != 0:  # one record per version, all the series in turn
            for series in series_list:
                for v in range(series.versions):
                    ctx = _filing_context(plan, table, series, *series.version(v))
                    yield tuple(values.fit(ctx[c.name], c) for c in keyed)
            return
        series = series_list[0]
        total = series.filings if per_filing else series.versions
        current, line, base = -1, 0, []
        for j in range(n):
            v = j * total // n
            if v != current:
                current, line = v, 0
                filing, amend_id = (v, 0) if per_filing else series.version(v)
                ctx = _filing_context(plan, table, series, filing, amend_id)
                base = [values.fit(ctx[c.name], c) for c in keyed if c.name != "LINE_ITEM"]
            if line_at is None:
                yield tuple(base)
            else:
                line += 1
                yield (*base, str(line))

    return [c.name for c in keyed], keys()


def _filer_context(plan: ExportPlan, table: str, filer: int) -> dict[str, str]:
    p = filer_profile(plan.seed, filer)
    ctx = {"FILER_ID": p["FILER_ID"]}
    if table == "FILERNAME_CD":
        ctx.update({k: p[k] for k in ("FILER_TYPE", "NAML", "NAMF", "CITY", "ST", "ZIP4", "ADR1", "PHON")})
        # XREF_FILER_ID: the filer's other id, non-numeric ("C123" style) for about a third of filers.
        xref = legacy_filer_id(filer) if filer % 3 else f"C{200_000 + filer}"
        ctx.update({"XREF_FILER_ID": xref, "STATUS": "ACTIVE", "NAMT": "", "NAMS": ""})
    elif table == "FILER_XREF_CD":  # the filer's other id: its old or non-numeric id, or its negative Form 501 id
        ctx["XREF_ID"] = p.get("NEGATIVE_ID") or legacy_filer_id(filer)
    elif table == "FILER_TO_FILER_TYPE_CD":  # a candidate's party where the state recorded one, else 0
        ctx["PARTY_CD"] = p.get("PARTY_CD", "0")
    elif table == "BALLOT_MEASURES_CD":
        ctx.update({"MEASURE_NO": p["BAL_NUM"], "MEASURE_NAME": p["BAL_NAME"], "JURISDICTION": "STATEWIDE",
                    "ELECTION_DATE": export_day(election_day(int(p["ELECT_YEAR"]), 11))})
    elif table == "FILER_LINKS_CD":  # a candidate and the committee they control
        ctx = {"FILER_ID_A": p["FILER_ID"], "FILER_ID_B": str(int(p["FILER_ID"]) + 4), "LINK_TYPE": "12011",
               "LINK_DESC": "CANDIDATE CONTROLLED COMMITTEE", "ACTIVE_FLG": "Y"}
    return ctx


# Filers that a table's rows are about, by slot (default: any filer).
FILER_TABLE_SLOTS = {"BALLOT_MEASURES_CD": (10, 11), "FILER_LINKS_CD": (0, 1, 2, 3)}


def _filer_capacity(plan: ExportPlan, table: str) -> int:
    """How many distinct filers a filer table's records can be about."""
    slots = FILER_TABLE_SLOTS.get(table)
    return plan.filer_blocks * len(slots) if slots else plan.filers


def _filer_keys(plan: ExportPlan, table: str, columns: list[Column], n: int) -> tuple[list[str], Iterator]:
    slots = FILER_TABLE_SLOTS.get(table)
    count = _filer_capacity(plan, table)

    def filer_of(i: int) -> int:
        if not slots:
            return i
        block, which = divmod(i, len(slots))
        return block * len(FILER_SLOTS) + slots[which]

    probe = _filer_context(plan, table, filer_of(0))
    keyed = [c for c in columns if c.name in probe]

    def keys() -> Iterator[tuple[str, ...]]:
        for j in range(n):
            ctx = _filer_context(plan, table, filer_of(j * count // n))
            yield tuple(values.fit(ctx[c.name], c) for c in keyed)

    return [c.name for c in keyed], keys()


def _serial_column(columns: list[Column], keyed: list[str]) -> Column | None:
    """A column to number records by, for tables whose keys alone may repeat."""
    free = [c for c in columns if c.name not in keyed]
    for c in free:
        if c.kind == INTEGER and c.name.endswith(("ID", "NO", "NUMBER", "SEQUENCE")):
            return c
    for c in free:
        if c.kind == INTEGER:
            return c
    for c in free:
        if c.kind == TEXT and (c.max_length or 99) >= 8:
            return c
    return None


def _optional_group(name: str, core: set[str] | None, always: set[str]) -> str | None:
    """The group a column is filled or left blank with, or None if always filled."""
    group = name.split("_")[0]
    return None if core is None or group in core or name in always else group


def _templates(
    table: str, columns: list[Column], keyed: list[str], count: int, rng: random.Random, always: set[str]
) -> list[str]:
    """`count` record templates; columns of `always` (added by drift) are never left blank."""
    core = CORE_GROUPS.get(table)
    forms = FORM_TYPES.get(table)
    pools = []
    for c in columns:
        if c.name in keyed:
            pools.append(None)
        elif c.name == "FORM_TYPE" and forms:
            pools.append([forms[k % len(forms)] for k in range(values.POOL_SIZE)])
        elif c.name == "PFORM_TYPE":
            pools.append([SPLIT_FORMS[k % len(SPLIT_FORMS)] for k in range(values.POOL_SIZE)])
        elif c.name in CALIBRATED.get(table, ()):
            pools.append([v.replace("%", "%%") for v in calibrated_pool(table, c, rng)])
        else:
            pools.append([v.replace("%", "%%") for v in values.value_pool(c, table, rng)])
    places = len(values.CITIES)
    spec = [
        (pool, values.depends_on_place(c), _optional_group(c.name, core, always))
        for c, pool in zip(columns, pools)
    ]
    random_ = rng.random
    templates = []
    for _ in range(count):
        place = int(random_() * places)
        filled: dict[str, bool] = {}
        row = []
        for pool, by_place, optional_group in spec:
            if pool is None:
                row.append("%s")
                continue
            if optional_group is not None:
                if optional_group not in filled:
                    filled[optional_group] = random_() < OPTIONAL_FILL
                if not filled[optional_group]:
                    row.append("")
                    continue
            if by_place:
                row.append(pool[place + places * int(random_() * values.POOL_PLACES)])
            else:
                row.append(pool[int(random_() * values.POOL_SIZE)])
        templates.append("\t".join(row))
    return templates


def table_rows(
    *, plan: ExportPlan, schema: TableSchema, columns: list[Column], rng: random.Random
) -> TableRows:
    """Templates and keys for the `plan.counts[table]` records of a table written with `columns`.

    `columns` are the schema's, unless the export is asked to drift.
    """
    table = schema.name
    n = plan.counts[table]
    names = [c.name for c in columns]
    fixed = fixed_table_rows().get(table)
    if fixed is not None:
        schema_names = schema.column_names
        rows = [dict(zip(schema_names, (str(v) for v in row))) for row in fixed]
        keyed = names
        keys: Iterator = (tuple(values.fit(r.get(name, "NEW"), c) for name, c in zip(names, columns)) for r in rows)
    elif "FILING_ID" in names:
        keyed, keys = _filing_keys(plan, table, columns, n)
    elif "FILER_ID" in names or table == "FILER_LINKS_CD":
        keyed, keys = _filer_keys(plan, table, columns, n)
    else:
        keyed, keys = [], iter(() for _ in range(n))
    unique = fixed is not None or "FILING_ID" in keyed or (keyed and n <= _filer_capacity(plan, table))
    if not unique:
        serial = _serial_column(columns, keyed)
        if serial is not None:
            keyed = [*keyed, serial.name]
            keys = ((*k, str(j + 1)) for j, k in enumerate(keys))
    core, added = CORE_GROUPS.get(table), set(names) - set(schema.column_names)
    groups = {c.name: _optional_group(c.name, core, added) for c in columns}
    keyed, keys = many_valued_keys(table, columns, keyed, keys, rng, groups=groups, optional_fill=OPTIONAL_FILL)
    # Template placeholders follow column order; keys come in `keyed` order.
    order = [keyed.index(c.name) for c in columns if c.name in keyed]
    if order != sorted(order):
        keys = (tuple(k[i] for i in order) for k in keys)
    added = set(names) - set(schema.column_names)
    templates = _templates(table, columns, keyed, min(max(n, 1), TEMPLATE_POOL), rng, added)
    return TableRows(columns=columns, templates=templates, keys=keys)
