"""A real browser on the site: headless Chromium (Debian's `chromium` package, driven by Playwright; no
downloaded browser) follows the links a reader would, from /downloads/ to the latest release, one of its
tables' documentation and that table's archived file, at a desktop and a phone width, served by a real
HTTP server. Each page's screenshot must show something, and the phone layout must not scroll sideways.

The server is Django's LiveServerThread (what pytest-django's `live_server` fixture runs), started here
rather than through `live_server`: that fixture forces `transactional_db`, whose teardown flushes every
table, and would erase the package's committed releases (tests/site/conftest.py) for the tests after this
one. The server thread has its own database connection, so it sees those committed releases.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
# The machine's network is closed, and the browser makes no connection of its own beyond the server's.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

WIDTHS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 1},
}


@pytest.fixture
def site_server(releases):
    """The site over HTTP on 127.0.0.1, in a thread of this process (its own database connection)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1:0")
    server._live_server_modified_settings.enable()  # ALLOWED_HOSTS gets 127.0.0.1
    try:
        yield server.url
    finally:
        server._live_server_modified_settings.disable()
        server.stop()


@pytest.fixture
def browser():
    """Chromium, started after the test's database fixtures: Playwright's sync API runs an event loop in this
    thread, and Django refuses database calls from a thread with a running loop (SynchronousOnlyOperation)."""
    if shutil.which("chromium") is None or not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's `chromium` package "
                    "(apt-get install chromium; .ci/run installs it when it is missing)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.django_db
@pytest.mark.parametrize("width", WIDTHS)
def test_a_reader_follows_latest_release_table_doc_and_archived_file(releases, settings, site_server, browser,
                                                                    width, tmp_path):
    newest = releases[0]
    context = browser.new_context(base_url=site_server, accept_downloads=True, **WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    bad: list[str] = []
    page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    shots: dict[str, Path] = {}

    def look(name: str) -> None:
        """The page is laid out and styled; its screenshot saved; at phone width, nothing wider than the screen."""
        assert page.evaluate("[...document.styleSheets].some(s => s.cssRules.length > 0)"), \
            f"{name}: the stylesheet is not applied"
        shots[name] = tmp_path / f"{name}-{width}.png"
        page.screenshot(path=shots[name])
        if width == "phone":
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"{name}: the phone layout scrolls sideways ({scroll}px > {inner}px)"

    response = page.goto("/downloads/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Downloads"
    look("downloads")

    page.get_by_role("link", name="Everything about this release").click()
    page.wait_for_url(f"**{newest_path(newest)}")
    assert page.locator("h1").inner_text() == "CAL-ACCESS release of November 20, 2026"
    look("release")

    table_link = page.locator("table.card tbody th a").first
    table = table_link.inner_text()
    table_link.click()
    page.wait_for_url("**/documentation/raw-files/*/")
    assert page.locator("h1").inner_text() == table
    look("documentation")

    file_link = page.locator(f'a[href="/downloads/latest/clean/{table}.csv"]')
    assert file_link.count() == 1, f"{table}'s page has no link to its latest cleaned CSV"
    archived = settings.CALACCESS_DATA_DIR / "archive" / f"ccdc-raw-data-{newest.slug}" / "clean" / f"{table}.csv"
    assert archived.is_file()
    # The link redirects to the local archive storage's copy, which Chromium downloads (a CSV sent as a file).
    with page.expect_download() as download_info:
        file_link.click()
    download = download_info.value
    assert download.failure() is None
    assert urlsplit(download.url).path == f"/archive/ccdc-raw-data-{newest.slug}/clean/{table}.csv"
    assert Path(download.path()).read_bytes() == archived.read_bytes()
    # The same address answered directly: 200, from the archive storage.
    direct = page.request.get(download.url, max_redirects=0)
    assert direct.status == 200 and direct.body() == archived.read_bytes()

    assert not errors, errors
    assert not bad, bad
    for name, path in shots.items():
        width_px, height_px, colours = png_colours(path)
        expected = WIDTHS[width]["viewport"]
        assert (width_px, height_px) == (expected["width"], expected["height"]), name
        assert colours >= 16, f"{name} at {width} width looks blank ({colours} colours): {path}"
    context.close()


def test_the_blank_check_sees_a_blank_screenshot_and_a_drawn_one(browser, tmp_path):
    """png_colours reads Chromium's screenshots right: one colour for a blank page, the exact count for a
    few stripes (the rows below the first use PNG's row filters), many for text."""
    page = browser.new_page(viewport={"width": 390, "height": 200})
    page.set_content("<body style='margin:0;background:#fff'></body>")
    page.screenshot(path=tmp_path / "blank.png")
    page.set_content("<body style='margin:0'>" + "".join(
        f"<div style='height:50px;background:{c}'></div>" for c in ("#fff", "#c00", "#0a0", "#00c")) + "</body>")
    page.screenshot(path=tmp_path / "stripes.png")
    page.set_content("<body style='margin:0;background:#fff'><p>" + "Campaign finance, every night. " * 20)
    page.screenshot(path=tmp_path / "text.png")
    page.close()
    assert png_colours(tmp_path / "blank.png") == (390, 200, 1)
    assert png_colours(tmp_path / "stripes.png") == (390, 200, 4)
    assert png_colours(tmp_path / "text.png")[2] >= 16


def newest_path(version) -> str:
    return version.release_datetime.strftime("/downloads/%Y/%m/%d/%H%M%S/")


def png_colours(path: Path, *, enough: int = 64) -> tuple[int, int, int]:
    """(width, height, distinct pixel values, counted up to `enough`) of an 8-bit RGB or RGBA PNG, read with
    the standard library: the IDAT stream inflated, each row unfiltered (PNG's five filter types)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    channels = 3 if colour_type == 2 else 4
    stride = width * channels
    raw = zlib.decompress(b"".join(idat))
    previous = bytearray(stride)
    seen: set[bytes] = set()
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                row[i] = (row[i] + row[i - channels]) & 0xFF
        elif kind == 2:
            row = bytearray((a + b) & 0xFF for a, b in zip(row, previous))
        elif kind == 3:
            for i in range(stride):
                left = row[i - channels] if i >= channels else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = row[i - channels] if i >= channels else 0
                b, c = previous[i], previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        else:
            assert kind == 0, f"{path}: unknown PNG filter {kind}"
        seen.update(bytes(row[i:i + channels]) for i in range(0, stride, channels))
        if len(seen) >= enough:
            break
        previous = row
    return width, height, len(seen)
