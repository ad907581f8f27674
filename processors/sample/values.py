"""Plausible CAL-ACCESS values for the synthetic export, and the cleaned form of raw bytes.

Everything here is ASCII: dirt (tabs, line breaks, control bytes, non-ASCII
bytes) is added by `sample_dirt`, so a clean record is always plain text.
Values are chosen by column name the way the state fills them (codes, names,
cities, ZIP codes), then cut to the column's `max_length` so that every value
is valid for its column (`Column.is_valid`).
"""

from __future__ import annotations

import random

from processors.ingest.schema import DATE, DECIMAL, FLOAT, INTEGER, TEXT, Column

FIRST_NAMES = (
    "JOHN MARY ROBERT PATRICIA MICHAEL LINDA DAVID BARBARA JAMES SUSAN MARIA CARLOS ANA LUIS "
    "JENNIFER WILLIAM ELIZABETH RICHARD KAREN THOMAS NANCY DANIEL LISA PAUL SANDRA MARK "
    "DONNA STEVEN CAROL KEVIN MICHELLE BRIAN EMILY GEORGE AMANDA EDWARD MELISSA RONALD "
    "DEBORAH ANTHONY STEPHANIE KENNETH REBECCA JASON SHARON JEFFREY LAURA RYAN CYNTHIA "
    "GARY KATHLEEN TIMOTHY AMY JOSE HELEN LARRY ANGELA JUAN ROSA WEI MEI HIROSHI PRIYA"
).split()
LAST_NAMES = (
    "SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ HERNANDEZ "
    "LOPEZ GONZALEZ WILSON ANDERSON THOMAS TAYLOR MOORE JACKSON MARTIN LEE PEREZ THOMPSON "
    "WHITE HARRIS SANCHEZ CLARK RAMIREZ LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT "
    "TORRES NGUYEN HILL FLORES GREEN ADAMS NELSON BAKER HALL RIVERA CAMPBELL MITCHELL CARTER "
    "ROBERTS CHEN WONG KIM PATEL TANAKA OBRIEN MCCARTHY SULLIVAN BROWNLEY STEINBERG"
).split()
NAME_SUFFIXES = ("", "", "", "", "", "", "JR.", "SR.", "III")
NAME_TITLES = ("", "", "", "", "MR.", "MS.", "MRS.", "DR.", "HON.")
# (city, county, ZIP prefix) of California places.
CITIES = (
    ("SACRAMENTO", "SACRAMENTO", "958"), ("LOS ANGELES", "LOS ANGELES", "900"),
    ("SAN FRANCISCO", "SAN FRANCISCO", "941"), ("SAN DIEGO", "SAN DIEGO", "921"),
    ("OAKLAND", "ALAMEDA", "946"), ("FRESNO", "FRESNO", "937"), ("LONG BEACH", "LOS ANGELES", "908"),
    ("SAN JOSE", "SANTA CLARA", "951"), ("BAKERSFIELD", "KERN", "933"), ("ANAHEIM", "ORANGE", "928"),
    ("SANTA ANA", "ORANGE", "927"), ("RIVERSIDE", "RIVERSIDE", "925"), ("STOCKTON", "SAN JOAQUIN", "952"),
    ("IRVINE", "ORANGE", "926"), ("CHULA VISTA", "SAN DIEGO", "919"), ("FREMONT", "ALAMEDA", "945"),
    ("MODESTO", "STANISLAUS", "953"), ("BERKELEY", "ALAMEDA", "947"), ("PASADENA", "LOS ANGELES", "911"),
    ("SANTA MONICA", "LOS ANGELES", "904"), ("SALINAS", "MONTEREY", "939"), ("EUREKA", "HUMBOLDT", "955"),
    ("REDDING", "SHASTA", "960"), ("VENTURA", "VENTURA", "930"), ("PALO ALTO", "SANTA CLARA", "943"),
    ("SANTA ROSA", "SONOMA", "954"), ("DAVIS", "YOLO", "956"), ("EL CENTRO", "IMPERIAL", "922"),
)
OUT_OF_STATE = (("WASHINGTON", "DC", "200"), ("NEW YORK", "NY", "100"), ("RENO", "NV", "895"), ("PORTLAND", "OR", "972"))
EMPLOYERS = (
    "SELF-EMPLOYED", "N/A", "RETIRED", "STATE OF CALIFORNIA", "UNIVERSITY OF CALIFORNIA", "KAISER PERMANENTE",
    "PACIFIC GAS AND ELECTRIC COMPANY", "CHEVRON CORPORATION", "GOOGLE INC.", "APPLE INC.", "WELLS FARGO BANK",
    "LOS ANGELES UNIFIED SCHOOL DISTRICT", "CITY OF SAN DIEGO", "COUNTY OF SACRAMENTO", "SUTTER HEALTH",
    "WALT DISNEY COMPANY", "SMITH & JONES LLP", "BLUE SHIELD OF CALIFORNIA", "INTEL CORPORATION", "NONE",
)
OCCUPATIONS = (
    "ATTORNEY", "RETIRED", "PHYSICIAN", "TEACHER", "ENGINEER", "HOMEMAKER", "CONSULTANT", "REAL ESTATE BROKER",
    "EXECUTIVE", "FARMER", "NURSE", "ACCOUNTANT", "SOFTWARE ENGINEER", "CONTRACTOR", "PROFESSOR", "OWNER",
    "FIREFIGHTER", "PHARMACIST", "INVESTOR", "NOT EMPLOYED",
)
CAUSES = (
    "CLEAN AIR", "SAFE NEIGHBORHOODS", "AFFORDABLE HOUSING", "QUALITY SCHOOLS", "FAIR TAXES", "WATER RELIABILITY",
    "HEALTHY FAMILIES", "GOOD JOBS", "CONSUMER PROTECTION", "PUBLIC SAFETY", "OPEN GOVERNMENT", "TRANSIT",
)
ORGANIZATIONS = (
    "CALIFORNIA TEACHERS ASSOCIATION", "CALIFORNIA REALTORS", "CALIFORNIA MEDICAL ASSOCIATION",
    "SEIU LOCAL 1000", "CALIFORNIA CHAMBER OF COMMERCE", "PLANNED PARENTHOOD AFFILIATES OF CALIFORNIA",
    "CALIFORNIA STATE PIPE TRADES COUNCIL", "WESTERN GROWERS ASSOCIATION", "CALIFORNIA NURSES ASSOCIATION",
    "CONSUMER ATTORNEYS OF CALIFORNIA", "CALIFORNIA BUSINESS ROUNDTABLE", "PEACE OFFICERS RESEARCH ASSOCIATION",
)
STREET_NAMES = ("MAIN ST", "J STREET", "CAPITOL MALL", "BROADWAY", "MARKET ST", "WILSHIRE BLVD", "OAK AVE", "1ST ST")
EXPENSE_CODES = (
    "CMP", "CNS", "CTB", "FIL", "FND", "IKD", "LIT", "MBR", "MTG", "OFC", "POL", "POS", "PRO", "PRT", "RAD",
    "RFD", "SAL", "TEL", "TRC", "TRS", "TSF", "VOT", "WEB",
)
EXPENSE_DESCRIPTIONS = (
    "CAMPAIGN CONSULTING", "POSTAGE AND DELIVERY", "OFFICE RENT - JULY", "FUNDRAISING EVENT CATERING",
    "RADIO AIRTIME", "PRINTED LITERATURE", "STAFF SALARY", "WEBSITE HOSTING", "MEETING EXPENSES",
    "TRAVEL - LODGING AND MEALS", "PHONE BANK", "FILING FEE", "POLLING AND SURVEY RESEARCH",
    "(Cumulative: $31,125.00)", "PAID FOR BY THE COMMITTEE", "YARD SIGNS & BANNERS",
)
BALLOT_MEASURES = (
    ("1", "SAFE, CLEAN, AND RELIABLE DRINKING WATER SUPPLY ACT"), ("30", "SCHOOLS AND LOCAL PUBLIC SAFETY PROTECTION ACT"),
    ("47", "CRIMINAL SENTENCES. MISDEMEANOR PENALTIES"), ("55", "TAX EXTENSION TO FUND EDUCATION AND HEALTHCARE"),
    ("64", "CONTROL, REGULATE AND TAX ADULT USE OF MARIJUANA ACT"), ("13", "PROPERTY TAX LIMITATION"),
    ("22", "APP-BASED DRIVERS AS CONTRACTORS"), ("A", "LOCAL SCHOOL BOND MEASURE A"), ("H", "CITY HOUSING BOND MEASURE H"),
)
# Offices as the real export codes them: (OFFICE_CD letters on campaign covers, the LOOKUP_CODES_CD
# 30000 code Form 501 gives, the code's description, districts or 0, level: state, city or county).
OFFICES = (
    ("GOV", 30002, "GOVERNOR", 0, "state"), ("LTG", 30003, "LIEUTENANT GOVERNOR", 0, "state"),
    ("SOS", 30004, "SECRETARY OF STATE", 0, "state"), ("CON", 30005, "CONTROLLER", 0, "state"),
    ("TRE", 30006, "TREASURER", 0, "state"), ("ATT", 30007, "ATTORNEY GENERAL", 0, "state"),
    ("SPM", 30008, "SUPERINTENDENT OF PUBLIC INSTRUCTION", 0, "state"),
    ("BOE", 30009, "MEMBER BOARD OF EQUALIZATION", 4, "state"), ("INS", 30014, "INSURANCE COMMISSIONER", 0, "state"),
    ("SEN", 30012, "STATE SENATE", 40, "state"), ("ASM", 30013, "ASSEMBLY", 80, "state"),
    ("CCM", 30035, "CITY COUNCIL", 0, "city"), ("MAY", 30029, "MAYOR", 0, "city"),
    ("SCJ", 30053, "SUPERIOR COURT JUDGE", 0, "county"), ("OTH", 30016, "BOARD MEMBER", 0, "county"),
    ("OTH", 30024, "SCHOOL BOARD", 0, "city"),
)
# How often each office is sought on Form 501s (after the real export's OFFICE_CD counts).
OFFICE_WEIGHTS = (3, 1, 1, 1, 1, 1, 1, 1, 1, 9, 30, 11, 3, 8, 2, 2)
# What the other lookup code types hold in the real export (docs: real-export.md).
PARTIES = (
    (16001, "DEMOCRATIC"), (16002, "REPUBLICAN"), (16003, "GREEN"), (16004, "REFORM PARTY"),
    (16005, "AMERICAN INDEPENDENT PARTY"), (16006, "PEACE AND FREEDOM"), (16007, "INDEPENDENT"),
    (16008, "LIBERTARIAN"), (16009, "NON PARTISAN"), (16010, "NATURAL LAW"), (16011, "UNKNOWN"),
    (16012, "NO PARTY PREFERENCE"), (16013, "AMERICANS ELECT"),
)
# Major parties file most: the list PARTIES is drawn from through this.
PARTY_WEIGHTS = (45, 35, 3, 1, 2, 2, 3, 3, 2, 1, 1, 2, 1)
# The party as a filer writes it in Form 501's free-text PARTY (rarely filled).
PARTY_TEXT = {16001: "Democrat", 16002: "R", 16003: "Green", 16008: "Libertarian", 16012: "No Party Preference"}
ELECTION_TYPES = ((3001, "GENERAL"), (3002, "PRIMARY"), (3003, "RECALL"), (3004, "SPECIAL ELECTION"),
                  (3005, "OFFICEHOLDER"), (3006, "SPECIAL RUNOFF"))
# ELEC_TYPE on Form 501s: 0 (not given) in about half, then primaries, specials, generals, officeholder.
F501_ELECTION_TYPES = (("0", 54), ("3002", 39), ("3004", 4), ("3006", 1), ("3001", 1), ("3005", 1))
JURISDICTIONS = ((40501, "LOCAL"), (40502, "STATE"), (40503, "COUNTY"), (40504, "MULTI-COUNTY"), (40505, "CITY"),
                 (40506, "FEDERAL"), (40507, "SUPERIOR COURT JUDGE"))
STATEMENT_TYPES = ((10001, "ORIGINAL/INITIAL"), (10002, "AMENDMENT"), (10003, "TERMINATION"))


def district_codes() -> tuple[tuple[int, str], ...]:
    """The 17000 codes: the description is the district number, and code order is not number order."""
    rest = [n for n in range(1, 81) if n not in (1, 13, 24)]
    random.Random(17000).shuffle(rest)
    return tuple((17001 + i, f"{n:02d}") for i, n in enumerate([1, 13, 24, *rest]))


DISTRICT_CODE_OF = {int(desc): code for code, desc in district_codes()}


def lookup_codes() -> list[tuple[int, int, str]]:
    """LOOKUP_CODES_CD: each code type's own row (code id = type) followed by its codes."""
    groups = (
        (16000, "PARTY CODE", PARTIES),
        (30000, "OFFICE CODE", tuple(sorted({(code, name) for _, code, name, _, _ in OFFICES}))),
        (3000, "ELECTION TYPE", ELECTION_TYPES),
        (40500, "JURISDICTION CODE", JURISDICTIONS),
        (10000, "STATEMENT TYPE", STATEMENT_TYPES),
        (17000, "DISTRICT CODE", district_codes()),
    )
    rows = []
    for code_type, label, codes in groups:
        rows.append((code_type, code_type, label))
        rows.extend((code_type, code, desc) for code, desc in codes)
    return rows


def export_date(rng: random.Random, first_year: int = 2001, last_year: int = 2024) -> str:
    """A date as the export writes it: `3/29/2001 12:00:00 AM` (always midnight)."""
    return f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(first_year, last_year)} 12:00:00 AM"


def amount(rng: random.Random, max_digits: int = 14, decimal_places: int = 2) -> str:
    """A money amount, mostly small, now and then refunds (negative) or round numbers."""
    whole_digits = max(max_digits - decimal_places, 1)
    roll = rng.random()
    if roll < 0.45:
        value = rng.choice((25, 50, 100, 250, 500, 1000, 1500, 4400, 5000))
    elif roll < 0.95:
        value = round(rng.lognormvariate(5, 1.6), decimal_places)
    else:
        value = -round(rng.uniform(1, 500), decimal_places)
    value = max(min(value, 10 ** min(whole_digits, 9) - 1), -(10 ** min(whole_digits, 9) - 1))
    return f"{value:.{decimal_places}f}" if decimal_places else str(int(value))


def zip_code(rng: random.Random, prefix: str) -> str:
    base = f"{prefix}{rng.randint(0, 99):02d}"
    return base if rng.random() < 0.8 else f"{base}-{rng.randint(0, 9999):04d}"


def phone(rng: random.Random) -> str:
    return f"({rng.choice((916, 213, 415, 619, 510, 559, 408, 714))}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)


def committee_name(rng: random.Random) -> str:
    last, first = person(rng)
    return rng.choice(
        (
            f"FRIENDS OF {first} {last}",
            f"{last} FOR {rng.choice(OFFICES)[2]} {rng.randrange(2002, 2026, 2)}",
            f"CALIFORNIANS FOR {rng.choice(CAUSES)}",
            f"{rng.choice(ORGANIZATIONS)} POLITICAL ACTION COMMITTEE",
            f"YES ON PROPOSITION {rng.choice(BALLOT_MEASURES)[0]}",
            f"NO ON {rng.choice(BALLOT_MEASURES)[0]}, {rng.choice(CAUSES)} COALITION",
        )
    )


def fit(value: str, column: Column) -> str:
    """`value` cut to the column's length (never leaving a space at the end)."""
    if column.max_length is not None and len(value) > column.max_length:
        value = value[: column.max_length].rstrip()
    return value


def _text(name: str, table: str, rng: random.Random, place: tuple[str, str, str]) -> str:
    """A text value for a column, chosen by what its name says it holds."""
    stem = name.rsplit("_", 1)[-1]
    if name == "REC_TYPE":
        return table.split("_")[0]
    if stem == "NAML" or name.endswith("_NAME") or name in ("EMPLOYER_NAME", "FIRM_NAME", "FULLNAME"):
        roll = rng.random()
        if roll < 0.6:
            return rng.choice(LAST_NAMES)
        return committee_name(rng) if roll < 0.85 else rng.choice(ORGANIZATIONS)
    if stem == "NAMF" or name.endswith("FIRST_NAME"):
        return rng.choice(FIRST_NAMES)
    if name.endswith("LAST_NAME"):
        return rng.choice(LAST_NAMES)
    if stem == "NAMT":
        return rng.choice(NAME_TITLES)
    if stem == "NAMS":
        return rng.choice(NAME_SUFFIXES)
    if stem == "CITY" or name == "CITY":
        return place[0]
    if stem in ("ST",) or name == "ST":
        return "CA" if rng.random() < 0.93 else rng.choice(OUT_OF_STATE)[1]
    if stem in ("ZIP4", "ZIP"):
        return zip_code(rng, place[2])
    if stem in ("PHON", "FAX", "PHONE") or name.endswith("_PHONE"):
        return phone(rng)
    if "EMAIL" in name:
        last, first = person(rng)
        return f"{first[0]}{last}@EXAMPLE.ORG".lower()
    if name in ("ENTITY_CD",):
        return rng.choice(("IND", "IND", "IND", "IND", "COM", "OTH", "PTY", "SCC", "RCP"))
    if name in ("TRAN_ID", "BAKREF_TID", "MEMO_REFNO", "PTRAN_ID", "REF_NO"):
        return f"{rng.choice(('INC', 'EXP', 'A', 'E', 'T'))}{rng.randint(1, 99999)}" if name != "MEMO_REFNO" or rng.random() < 0.1 else ""
    if name in ("MEMO_CODE", "XREF_MATCH") or stem == "CB" or name.endswith("_SELF"):
        return "X" if rng.random() < 0.1 else ""
    if stem in ("YN", "FLG") or name in ("ACTIVE", "ACTIVE_FLG", "DOMINATE_FILER"):
        return rng.choice(("Y", "N"))
    if name == "SUP_OPP_CD":
        return rng.choice(("S", "O", ""))
    if name == "OFF_S_H_CD":
        return rng.choice(("S", "H", ""))
    if name == "OFFICE_CD":
        return rng.choice(OFFICES)[0]
    if name == "OFFIC_DSCR":
        return rng.choice(OFFICES)[2]
    if name == "JURIS_CD":
        return rng.choice(("STW", "SEN", "ASM", "CTY", "CIT", "BOE"))
    if name in ("JURIS_DSCR", "BAL_JURIS", "JURISDICTION"):
        return rng.choice(("STATEWIDE", place[1] + " COUNTY", "CITY OF " + place[0]))
    if name in ("DIST_NO",):
        return str(rng.randint(1, 80))
    if name in ("BAL_NAME", "MEASURE_NAME"):
        return rng.choice(BALLOT_MEASURES)[1]
    if name in ("BAL_NUM", "MEASURE_NO"):
        return rng.choice(BALLOT_MEASURES)[0]
    if name == "EXPN_CODE":
        return rng.choice(EXPENSE_CODES)
    if name.endswith("_EMP") or name == "EMPLOYER" or name == "CTRIB_EMP":
        return rng.choice(EMPLOYERS)
    if name.endswith("_OCC") or name == "OCCUPATION":
        return rng.choice(OCCUPATIONS)
    if "DSCR" in name or "DESC" in name or name in ("TEXT4000", "LBY_ACTVTY", "HDRCOMMENT", "AMEND_TXT1", "COMMENTS1"):
        return rng.choice(EXPENSE_DESCRIPTIONS)
    if stem in ("ADR1", "ADR2"):
        return f"{rng.randint(1, 9999)} {rng.choice(STREET_NAMES)}"
    if name in ("FILER_ID", "CMTE_ID", "CAND_ID", "BAL_ID", "CMTTE_ID", "INTR_CMTEID", "COMMITTEE_ID", "SENDER_ID"):
        return str(rng.randint(1_000_000, 1_400_000)) if rng.random() < 0.3 or name == "FILER_ID" else ""
    if name == "STATUS":
        return rng.choice(("ACTIVE", "INACTIVE", "TERMINATED"))
    if name in ("REPORT_NUM",):
        return rng.choice(("000", "001", "002"))
    if name in ("YEAR_ELECT", "LS_BEG_YR", "LS_END_YR"):
        return str(rng.randrange(2002, 2026, 2))
    if name.endswith("_DT") or name.endswith("_EFF") or name in ("ELECT_DATE", "CONTRIBUTION_DT", "FROM_DATE", "THRU_DATE"):
        return export_date(rng)
    if name in ("ELEC_CODE",):
        return rng.choice(("P", "G", "S"))
    words = (rng.choice(CAUSES), rng.choice(OCCUPATIONS), rng.choice(LAST_NAMES))
    return rng.choice(words)


def column_value(column: Column, table: str, rng: random.Random, place: tuple[str, str, str]) -> str:
    """A valid value for `column` of `table` (text always fits its max_length)."""
    if column.kind == TEXT:
        return fit(_text(column.name, table, rng, place), column)
    if column.kind == DATE:
        return export_date(rng) if rng.random() < 0.95 else ""
    if column.kind == DECIMAL:
        return amount(rng, column.max_digits or 14, column.decimal_places if column.decimal_places is not None else 2)
    if column.kind == FLOAT:
        return amount(rng, 12, 2)
    assert column.kind == INTEGER
    name = column.name
    if name == "SESSION_ID" or name.startswith("SESSION_YR"):
        return str(rng.randrange(2001, 2025, 2))
    if name in ("AMEND_ID", "FILING_SEQUENCE"):
        return str(rng.choice((0, 0, 0, 1, 2)))
    if name.startswith("QTR_") or name.endswith("_AMT"):
        return str(rng.randint(0, 250_000))
    if name in ("PARTY_CD",):
        return str(rng.choices(PARTIES, PARTY_WEIGHTS)[0][0])
    if name in ("OFFICE_CD",):
        return str(rng.choice(OFFICES)[1])
    if name in ("DISTRICT_CD",):
        return str(rng.randint(17001, 17080))
    if name in ("ELEC_TYPE", "ELECTION_TYPE"):
        return str(rng.choice(ELECTION_TYPES)[0])
    if name in ("JURIS_CD",):
        return str(rng.choice(JURISDICTIONS)[0])
    if name in ("STMT_TYPE", "STMNT_TYPE"):
        return str(rng.choice(STATEMENT_TYPES)[0])
    if name.endswith("_YN") or name.startswith(("TYPE_", "SHOW_")) or name in ("ACCEPT_LIMIT_YN", "PARMS_FLG_Y_N"):
        return rng.choice(("", "0", "1", "Y", "N"))
    if name.endswith("_ID") or name.startswith("FILER_ID"):
        return str(rng.randint(1_000_000, 1_400_000))
    return str(rng.randint(0, 9999))


# A column's values are drawn from a pool built once per table; value k of a
# pool was made for the place CITIES[k % len(CITIES)], so a record's city,
# county and ZIP code can agree by drawing the same place.
POOL_PLACES = 4
POOL_SIZE = POOL_PLACES * len(CITIES)
PLACE_STEMS = ("CITY", "ZIP4", "ZIP", "JURIS_DSCR", "BAL_JURIS", "JURISDICTION")


def value_pool(column: Column, table: str, rng: random.Random) -> list[str]:
    return [column_value(column, table, rng, CITIES[k % len(CITIES)]) for k in range(POOL_SIZE)]


def depends_on_place(column: Column) -> bool:
    return column.kind == TEXT and column.name.endswith(PLACE_STEMS)


# Name and address columns take many values in the real export (ENTY_NAML: 577
# distinct in 1,000 records, BENE_NAME 865): drawn per record from large pools,
# not from a table's record templates, so no value recurs more than real ones do.
MANY_VALUED_POOL = 20_000
_LAST_NAME_ENDINGS = ("", "", "", "", "SON", "MAN", "TON", "EZ", "ELL", "INI", "SKI", "BERG", "WOOD", "FIELD")
_MIDDLE_INITIALS = "ABCDEFGHJKLMNPRSTW"


def _last_name(rng: random.Random) -> str:
    name = rng.choice(LAST_NAMES) + rng.choice(_LAST_NAME_ENDINGS)
    return name if rng.random() < 0.85 else f"{name}-{rng.choice(LAST_NAMES)}"


def _first_name(rng: random.Random) -> str:
    name = rng.choice(FIRST_NAMES)
    return name if rng.random() < 0.75 else f"{name} {rng.choice(_MIDDLE_INITIALS)}."


def many_valued_kind(column: Column) -> str | None:
    """Which many-valued pool a column draws from: "last", "first", "full" or "address"; None: templates."""
    if column.kind != TEXT or (column.max_length or 99) < 8:
        return None
    name = column.name
    stem = name.rsplit("_", 1)[-1]
    if stem == "NAML" or name.endswith("LAST_NAME"):
        return "last"
    if stem == "NAMF" or name.endswith("FIRST_NAME"):
        return "first"
    if name.endswith("_NAME") and name not in ("BAL_NAME", "MEASURE_NAME", "MEASURE_SHORT_NAME"):
        return "full"
    if stem in ("ADR1", "ADR2"):
        return "address"
    return None


def many_valued_pool(column: Column, rng: random.Random) -> list[str]:
    """MANY_VALUED_POOL values for a column of `many_valued_kind`, in the shares the templates use."""
    kind = many_valued_kind(column)
    pool = []
    for _ in range(MANY_VALUED_POOL):
        roll = rng.random()
        if kind == "first":
            value = _first_name(rng)
        elif kind == "address":
            value = f"{rng.randint(1, 99999)} {rng.choice(STREET_NAMES)}"
        elif roll < (0.6 if kind == "last" else 0.5):
            value = _last_name(rng) if kind == "last" else f"{_first_name(rng)} {_last_name(rng)}"
        else:
            value = committee_name(rng) if roll < 0.85 else rng.choice(ORGANIZATIONS)
        pool.append(fit(value, column))
    return pool
