pytest_plugins = ["tests.standins.fixtures", "tests.standins.archive_fixtures"]

import pytest

from tests import network_guard

network_guard.install()


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """Every test gets its own data directory."""
    settings.CALACCESS_DATA_DIR = tmp_path / "data"
    settings.CALACCESS_DATA_DIR.mkdir()
    return settings.CALACCESS_DATA_DIR
