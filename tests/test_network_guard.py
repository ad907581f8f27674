import socket

import pytest

from tests.network_guard import NonLoopbackConnection


def test_connection_to_the_internet_is_refused():
    with pytest.raises(NonLoopbackConnection):
        socket.create_connection(("93.184.216.34", 80), timeout=1)


def test_connection_to_loopback_is_allowed():
    with socket.create_connection(("127.0.0.1", 5432), timeout=2):
        pass
