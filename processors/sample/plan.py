"""Who files what in the synthetic export: table sizes, filers, filings and their amendments.

Nothing here is stored per filer or per filing: a filer's name, kind and
candidacy, and a filing's id, amendments, form and filer, are computed from
their index and the seed. Memory stays flat however many records are asked
for, and every table that refers to a filer or a filing (FILER_FILINGS_CD, the
covers, the schedules) agrees with every other.

Filers come in blocks of 20 (`FILER_SLOTS`); slot s of a block is a kind of
filer, and the controlled committee in slot 4+s belongs to the candidate in
slot s of the same block.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import lru_cache

from . import values
from processors.ocd.reference import calendar_read

FILER_ID_BASE = 1_000_000
FILING_ID_BASE = 1_000_000

EMPTY_TABLES = frozenset({"CVR_F470_CD", "FILER_TYPE_PERIODS_CD", "LOBBYIST_EMPLOYER_HISTORY_CD", "LOBBYIST_FIRM_HISTORY_CD"})

# Share of all records, after the real export's proportions (2016 counts).
TABLE_SHARES = {
    "RCPT_CD": 0.30, "SMRY_CD": 0.25, "EXPN_CD": 0.15, "SPLT_CD": 0.10, "FILER_FILINGS_CD": 0.06,
    "FILERNAME_CD": 0.02, "CVR_CAMPAIGN_DISCLOSURE_CD": 0.01,
    "FILER_ADDRESS_CD": 0.012, "DEBT_CD": 0.012, "S497_CD": 0.008, "LOAN_CD": 0.005, "TEXT_MEMO_CD": 0.005,
    "NAMES_CD": 0.005, "ADDRESS_CD": 0.004, "CVR2_CAMPAIGN_DISCLOSURE_CD": 0.004, "FILER_TO_FILER_TYPE_CD": 0.003,
    "LPAY_CD": 0.003, "LEXP_CD": 0.002, "S496_CD": 0.002, "RECEIVED_FILINGS_CD": 0.002, "HDR_CD": 0.002,
    "CVR_LOBBY_DISCLOSURE_CD": 0.002, "CVR_REGISTRATION_CD": 0.001, "F501_502_CD": 0.001, "CVR_SO_CD": 0.001,
}
# Every other non-empty table shares this.
OTHER_TABLES_SHARE = 0.02
MIN_RECORDS = 5
# Enough Form 501s for every convention of the real ones (offices, districts, elections, filer ids) to
# occur even in a small export (OCD processing's candidacies come from them): at least this many, or
# 2% of a small export.
TABLE_FLOORS = {"F501_502_CD": 200}

# Kinds of filer by slot in a block of 20 (FILERNAME_CD.FILER_TYPE).
FILER_SLOTS = (
    ("CANDIDATE/OFFICEHOLDER",) * 4
    + ("RECIPIENT COMMITTEE",) * 8  # 4-7 controlled committees, 8-9 general purpose, 10-11 ballot measure
    + ("MAJOR DONOR/INDEPENDENT EXPENDITURE COMMITTEE", "SLATE MAILER ORGANIZATION")
    + ("LOBBYIST",) * 2
    + ("LOBBYIST EMPLOYER",) * 2
    + ("LOBBYING FIRM", "RECIPIENT COMMITTEE")
)
CANDIDATE_SLOTS = (0, 1, 2, 3)
COMMITTEE_SLOTS = (4, 5, 6, 7, 8, 9, 10, 11, 19)
LOBBY_SLOTS = (14, 15, 16, 17, 18)

# Amendments: of every 10 filings, 7 are never amended, 2 once, 1 twice
# (14 versions). Each entry is (filing offset in the block, AMEND_ID).
_AMEND_COUNTS = (1, 1, 2, 1, 1, 3, 1, 1, 2, 1)
VERSIONS_IN_BLOCK = tuple((f, a) for f, count in enumerate(_AMEND_COUNTS) for a in range(count))


@dataclass(frozen=True)
class FilingSeries:
    """The filings of one kind (form), numbered 0..versions-1 over (filing, amendment)."""

    number: int  # FILING_IDs of series interleave: id = base + filing index * SERIES_COUNT + number
    name: str
    forms: tuple[str, ...]
    slots: tuple[int, ...]
    versions: int

    @property
    def filings(self) -> int:
        blocks, rest = divmod(self.versions, len(VERSIONS_IN_BLOCK))
        return blocks * 10 + (VERSIONS_IN_BLOCK[rest - 1][0] + 1 if rest else 0)

    def version(self, v: int) -> tuple[int, int]:
        """(filing index, AMEND_ID) of version v."""
        block, rest = divmod(v, len(VERSIONS_IN_BLOCK))
        offset, amend_id = VERSIONS_IN_BLOCK[rest]
        return block * 10 + offset, amend_id

    def filing_id(self, filing: int) -> int:
        return FILING_ID_BASE + filing * SERIES_COUNT + self.number


SERIES_COUNT = 12


def _mix(*parts: int) -> int:
    """A well-spread 32-bit number from integers (deterministic, unlike hash())."""
    h = 2166136261
    for p in parts:
        h = ((h ^ (p & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
        h ^= h >> 13
    return h


@dataclass(frozen=True)
class ExportPlan:
    seed: int
    counts: dict[str, int]
    filers: int  # a multiple of 20
    series: dict[str, FilingSeries]

    @property
    def filer_blocks(self) -> int:
        return self.filers // len(FILER_SLOTS)

    def filing_filer(self, series: FilingSeries, filing: int) -> int:
        """The filer index of a filing (a filer of a kind that files this form)."""
        h = _mix(self.seed, series.number, filing)
        return (h % self.filer_blocks) * len(FILER_SLOTS) + series.slots[(h >> 16) % len(series.slots)]

    def filing_form(self, series: FilingSeries, filing: int, filer: int) -> str:
        if series.name == "LOBBY_DISCLOSURE" or series.name == "LOBBY_REGISTRATION":
            return series.forms[LOBBY_SLOTS.index(filer % len(FILER_SLOTS)) % len(series.forms)]
        return series.forms[_mix(self.seed, filing) % len(series.forms)]

    def filing_date(self, series: FilingSeries, filing: int, amend_id: int) -> dt.date:
        """Filings are dated in FILING_ID order, 2001-2024; an amendment some weeks later."""
        day = filing * 8760 // max(series.filings, 1)  # days over 24 years
        return dt.date(2001, 1, 1) + dt.timedelta(days=day + 20 * amend_id + _mix(self.seed, filing) % 10)


# The filings each table's FILING_ID refers to (default: OTHER).
TABLE_SERIES = {
    **dict.fromkeys(
        ("RCPT_CD", "EXPN_CD", "LOAN_CD", "DEBT_CD", "SMRY_CD", "SPLT_CD", "CVR2_CAMPAIGN_DISCLOSURE_CD",
         "CVR3_VERIFICATION_INFO_CD", "TEXT_MEMO_CD", "HDR_CD", "FILINGS_CD", "RECEIVED_FILINGS_CD"),
        "F460",
    ),
    "S497_CD": "F497", "S496_CD": "F496", "F501_502_CD": "F501", "CVR_SO_CD": "F410", "CVR2_SO_CD": "F410",
    "S401_CD": "S401", "CVR_E530_CD": "E530",
    **dict.fromkeys(("CVR_REGISTRATION_CD", "CVR2_REGISTRATION_CD", "LEMP_CD", "LOBBY_AMENDMENTS_CD"), "LOBBY_REGISTRATION"),
    **dict.fromkeys(
        ("CVR_LOBBY_DISCLOSURE_CD", "CVR2_LOBBY_DISCLOSURE_CD", "LEXP_CD", "LPAY_CD", "LCCM_CD", "LOTH_CD", "LATT_CD",
         "F690P2_CD", "LOBBYIST_FIRM_EMPLOYER1_CD", "LOBBYIST_FIRM_EMPLOYER2_CD"),
        "LOBBY_DISCLOSURE",
    ),
}


CAMPAIGN_SERIES = ("F460", "F497", "F496", "F461", "F450")
# Tables with one record per filing version of several series, in turn.
CHAINED_TABLES = {"CVR_CAMPAIGN_DISCLOSURE_CD": CAMPAIGN_SERIES, "FILER_FILINGS_CD": None}


def table_series_name(table: str) -> str:
    return TABLE_SERIES.get(table, "OTHER")


def plan_make(*, records: int, seed: int, schemas: dict) -> ExportPlan:
    """Table sizes summing to `records` (when it allows every table its minimum) and the filing series.

    A table with a FILING_ID but no LINE_ITEM has at most one record per
    filing version (one per filing without AMEND_ID): more would repeat keys.
    """
    table_names = list(schemas)
    fixed = fixed_table_rows()
    counts: dict[str, int] = {}
    others = [t for t in table_names if t not in TABLE_SHARES and t not in EMPTY_TABLES and t not in fixed]
    for name in table_names:
        if name in EMPTY_TABLES:
            counts[name] = 0
        elif name in fixed:
            counts[name] = len(fixed[name])
        elif name in TABLE_SHARES:
            floor = min(TABLE_FLOORS.get(name, MIN_RECORDS), records // 50)
            counts[name] = max(MIN_RECORDS, floor, round(records * TABLE_SHARES[name]))
        else:
            counts[name] = max(MIN_RECORDS, round(records * OTHER_TABLES_SHARE / len(others)))
    filers = max(2, -(-counts["FILERNAME_CD"] // len(FILER_SLOTS))) * len(FILER_SLOTS)
    counts["FILERNAME_CD"] = counts["FILERS_CD"] = counts["FILER_XREF_CD"] = filers
    cover = counts["CVR_CAMPAIGN_DISCLOSURE_CD"] = max(counts["CVR_CAMPAIGN_DISCLOSURE_CD"], 10)
    campaign = {"F460": cover * 62 // 100, "F497": cover * 20 // 100, "F496": cover * 6 // 100, "F461": cover * 6 // 100}
    campaign["F450"] = cover - sum(campaign.values())
    sizes = [
        ("F460", ("F460",), CANDIDATE_SLOTS + COMMITTEE_SLOTS, campaign["F460"]),
        ("F497", ("F497",), COMMITTEE_SLOTS, campaign["F497"]),
        ("F496", ("F496",), (8, 9, 12), campaign["F496"]),
        ("F461", ("F461",), (12,), campaign["F461"]),
        ("F450", ("F450",), (10, 11, 19), campaign["F450"]),
        ("F501", ("F501",) * 7 + ("F502",), CANDIDATE_SLOTS, counts["F501_502_CD"]),
        ("F410", ("F410",), COMMITTEE_SLOTS, counts["CVR_SO_CD"]),
        ("LOBBY_REGISTRATION", ("F604", "F604", "F603", "F603", "F601"), LOBBY_SLOTS, counts["CVR_REGISTRATION_CD"]),
        ("LOBBY_DISCLOSURE", ("F615", "F615", "F635", "F635", "F625"), LOBBY_SLOTS, counts["CVR_LOBBY_DISCLOSURE_CD"]),
        ("E530", ("E530",), (12,), counts["CVR_E530_CD"]),
        ("S401", ("F401",), (13,), counts["S401_CD"]),
    ]
    rest = max(counts["FILER_FILINGS_CD"] - sum(s[3] for s in sizes), 10)
    sizes.append(("OTHER", ("F425", "F465", "F498", "F511", "F400", "F402", "F690"), tuple(range(20)), rest))
    counts["FILER_FILINGS_CD"] = sum(s[3] for s in sizes)
    series = {name: FilingSeries(i, name, forms, slots, n) for i, (name, forms, slots, n) in enumerate(sizes)}
    assert len(series) == SERIES_COUNT
    for name, schema in schemas.items():
        columns = set(schema.column_names)
        if counts[name] and "FILING_ID" in columns and "LINE_ITEM" not in columns and name not in CHAINED_TABLES:
            one = series[table_series_name(name)]
            limit = one.versions if {"AMEND_ID", "FILING_SEQUENCE"} & columns else one.filings
            counts[name] = min(counts[name], limit)
    # The biggest table takes up the difference so that the total is `records`.
    counts["RCPT_CD"] = max(MIN_RECORDS, records - sum(n for t, n in counts.items() if t != "RCPT_CD"))
    return ExportPlan(seed=seed, counts=counts, filers=filers, series=series)


@lru_cache(maxsize=4096)
def filer_profile(seed: int, filer: int) -> dict[str, str]:
    """Name, address and (for candidates and their committees) candidacy of a filer."""
    slot = filer % len(FILER_SLOTS)
    rng = random.Random(_mix(seed, filer, 7))
    city, county, zip_prefix = rng.choice(values.CITIES)
    last, first = values.person(rng)
    profile = {
        "FILER_ID": str(FILER_ID_BASE + filer), "FILER_TYPE": FILER_SLOTS[slot], "NAML": last, "NAMF": "",
        "CITY": city, "COUNTY": county, "ST": "CA", "ZIP4": values.zip_code(rng, zip_prefix),
        "ADR1": f"{rng.randint(1, 9999)} {rng.choice(values.STREET_NAMES)}", "PHON": values.phone(rng),
    }
    if slot in CANDIDATE_SLOTS or slot in (14, 15):
        profile["NAMF"] = first
    if 4 <= slot <= 7:
        candidate = filer_profile(seed, filer - 4)
        profile["NAML"] = f"{candidate['NAMF']} {candidate['NAML']} FOR {candidate['OFFICE_DSCR']} {candidate['ELECT_YEAR']}"
        profile.update({k: candidate[k] for k in candidate if k.startswith(("OFFICE", "DIST", "PARTY", "ELECT", "JURIS"))})
        profile["CAND_FILER_ID"], profile["CAND_NAML"], profile["CAND_NAMF"] = candidate["FILER_ID"], candidate["NAML"], candidate["NAMF"]
    elif slot in (8, 9, 19):
        profile["NAML"] = f"{rng.choice(values.ORGANIZATIONS)} PAC" if slot != 19 else f"CALIFORNIANS FOR {rng.choice(values.CAUSES)}"
    elif slot in (10, 11):
        number, title = rng.choice(values.BALLOT_MEASURES)
        side = "YES" if slot == 10 else "NO"
        profile.update({"NAML": f"{side} ON PROPOSITION {number}, {title}", "BAL_NUM": number, "BAL_NAME": title,
                        "SUP_OPP_CD": side[0].replace("Y", "S").replace("N", "O"), "ELECT_YEAR": str(rng.randrange(2002, 2026, 2))})
    elif slot == 12:
        profile["NAML"] = rng.choice(values.EMPLOYERS[5:])
    elif slot == 13:
        profile["NAML"] = f"{rng.choice(values.CAUSES)} VOTER GUIDE SLATE"
    elif slot in (16, 17):
        profile["NAML"] = rng.choice(values.ORGANIZATIONS)
    elif slot == 18:
        profile["NAML"] = f"{last} & ASSOCIATES"
    if slot in CANDIDATE_SLOTS:
        profile.update(_candidacy(rng, filer, city, county))
    return profile


def cover_candidate(seed: int, filer: int, filing: int) -> dict[str, str] | None:
    """The candidate a campaign cover of `filer` names, or None: a candidate's own covers and its controlled
    committee's (filer - 4) name the race on about a third of them (real covers: CAND_NAML 83% empty)."""
    p = filer_profile(seed, filer)
    if "OFFICE" not in p or _mix(seed, filing, 5) % 3:
        return None
    return p if filer % len(FILER_SLOTS) < 4 else filer_profile(seed, filer - 4)


def cover_election_date(seed: int, filer: int, filing: int) -> str:
    """A campaign cover's ELECT_DATE as the export writes it, or "": a measure committee's names the general
    election its measure is on, a cover naming a race the race's date when the calendar has one."""
    p = filer_profile(seed, filer)
    if "BAL_NAME" in p:
        return export_day(election_day(int(p["ELECT_YEAR"]), 11))
    candidate = cover_candidate(seed, filer, filing)
    return candidate["ELECT_DATE"] if candidate else ""


def cover_candidate_truths(plan: ExportPlan, table: str = "CVR_CAMPAIGN_DISCLOSURE_CD") -> list[dict]:
    """The answer key's truth of every cover version that names a candidate: who it is (CAND_ID is empty on
    every cover, as on the real ones). The covers are the first counts[table] versions of the campaign series
    in turn, as rows._filing_keys writes a chained table."""
    versions = ((plan.series[name], v) for name in CHAINED_TABLES[table] for v in range(plan.series[name].versions))
    truths = []
    for _, (series, v) in zip(range(plan.counts[table]), versions):
        filing, amend_id = series.version(v)
        filer = plan.filing_filer(series, filing)
        candidate = cover_candidate(plan.seed, filer, filing)
        if candidate is not None:
            truths.append({"table": table, "truth": "cover_candidate", "filing_id": series.filing_id(filing),
                           "amend_id": amend_id, "filer_id": FILER_ID_BASE + filer,
                           "candidate_filer_id": int(candidate["FILER_ID"])})
    return truths


def legacy_filer_id(filer: int) -> str:
    """The filer's other id in FILER_XREF_CD (XREF_ID): mostly a number, now and then "C123" or "C123*1" style."""
    number = 200_000 + filer
    return f"C{number}" if filer % 50 == 0 else f"C{number}*1" if filer % 50 == 1 else str(number)


def _candidacy(rng: random.Random, filer: int, city: str, county: str) -> dict[str, str]:
    """What a candidate's Form 501s and covers say about the race, coded as the real export codes it."""
    letter, office_code, office_name, districts, level = rng.choices(values.OFFICES, values.OFFICE_WEIGHTS)[0]
    party_code, party = rng.choices(values.PARTIES, values.PARTY_WEIGHTS)[0]
    elect_type = rng.choices(*zip(*values.F501_ELECTION_TYPES))[0]
    # Specials fall in any year; the other races in even years.
    year = rng.randrange(1997, 2026) if elect_type in ("3004", "3006") else rng.randrange(1998, 2026, 2)
    district = rng.randint(1, districts) if districts else 0
    if level == "city":
        agency, juris_cd, cover_juris = f"City of {city.title()}", 40505, "CIT"
    elif level == "county":
        agency, juris_cd, cover_juris = f"County of {county.title()}", 40507 if letter == "SCJ" else 40503, "CTY"
    else:
        agency = "LEGISLATIVE" if letter in ("SEN", "ASM") else "STATEWIDE OFFICERS"
        juris_cd, cover_juris = 40502, letter if letter in ("SEN", "ASM") else "STW"
    # An eighth of candidates also file under a negative id (on a quarter of their Form 501s: 3% of
    # them, as in the real export), which FILER_XREF_CD translates.
    negative = _mix(filer, 501) % 8 == 0
    kind = {"3001": "general", "3002": "primary", "3003": "recall"}.get(elect_type)
    day = statewide_election(year, kind) if kind else None
    return {
        "OFFICE": letter, "OFFICE_CODE": str(office_code), "OFFICE_DSCR": office_name, "OFFICE_LEVEL": level,
        "DIST_NO": str(district) if district else "",
        "DISTRICT_CD": str(values.DISTRICT_CODE_OF[district]) if district else "",
        "PARTY_CD": str(party_code), "PARTY": values.PARTY_TEXT.get(party_code, party.title()),
        "ELECT_YEAR": str(year), "ELECT_TYPE": elect_type, "ELECT_DATE": export_day(day) if day else "",
        "JURIS_CD": cover_juris, "JURIS_F501": str(juris_cd), "AGENCY_NAM": agency,
        "NEGATIVE_ID": f"-{200_000 + filer}" if negative else "",
    }


def statewide_election(year: int, classification: str) -> dt.date | None:
    """The date of California's statewide election of that year and kind (the processing's calendar), or None."""
    return next((d for d, c, _ in calendar_read() if d.year == year and c == classification), None)


def election_day(year: int, month: int) -> dt.date:
    """The first Tuesday after the first Monday of the month (California's election day)."""
    first = dt.date(year, month, 1)
    monday = first + dt.timedelta(days=(7 - first.weekday()) % 7)
    return monday + dt.timedelta(days=1)


def export_day(day: dt.date) -> str:
    """A date as the export writes it: `3/29/2001 12:00:00 AM`."""
    return f"{day.month}/{day.day}/{day.year} 12:00:00 AM"


def fixed_table_rows() -> dict[str, list[tuple]]:
    """Code tables whose contents do not grow with the export."""
    sessions = [(y, export_day(dt.date(y - 1, 12, 1)), export_day(dt.date(y + 1, 11, 30))) for y in range(2001, 2027, 2)]
    return {
        "LOOKUP_CODES_CD": values.lookup_codes(),
        "FILER_TYPES_CD": [(i + 1, kind, 1 if "COMMITTEE" in kind else 2, "", "") for i, kind in enumerate(sorted(set(FILER_SLOTS)))],
        "FILER_STATUS_TYPES_CD": [("ACTIVE", "ACTIVE"), ("INACTIVE", "INACTIVE"), ("TERMINATED", "TERMINATED"), ("N/A", "N/A"), ("PENDING", "PENDING")],
        "GROUP_TYPES_CD": [(1, "COMMITTEE", "COMMITTEE FILERS"), (2, "INDIVIDUAL", "INDIVIDUAL FILERS"), (3, "LOBBYING", "LOBBYING FILERS"), (4, "OTHER", "OTHER FILERS"), (5, "SLATE", "SLATE MAILERS")],
        "LEGISLATIVE_SESSIONS_CD": sessions,
    }
