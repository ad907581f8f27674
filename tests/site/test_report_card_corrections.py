"""The release page's report card counts the records corrected by hand and links corrections.csv."""

import pytest

from tests.site.test_pages import RELEASE2, page

pytestmark = pytest.mark.django_db


def test_the_report_card_has_a_corrected_column_and_links_corrections_csv(client, releases):
    newest, _ = releases
    newest.files.filter(table="FILERNAME_CD").update(corrected=2)
    newest.files.filter(table="RCPT_CD").update(corrected=3)
    html = page(client, RELEASE2)
    text = html.all_text()
    assert "Quarantined Corrected Loaded" in text
    assert f"/archive/ccdc-raw-data-{newest.slug}/corrections.csv" in html.links
    footer = text[text.index("All tables"):].split()
    quarantined = sum(f.quarantined for f in newest.files.all())
    assert footer[5:7] == [str(quarantined), "5"]
