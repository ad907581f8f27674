"""Pytest fixtures for the stand-ins, registered by tests/conftest.py (pytest_plugins)."""

from collections.abc import Iterator

import pytest

from tests.standins.cdn import CdnStandIn


@pytest.fixture
def cdn() -> Iterator[CdnStandIn]:
    """A running CDN stand-in with nothing published yet (it answers 404 until cdn.publish())."""
    with CdnStandIn() as server:
        yield server
