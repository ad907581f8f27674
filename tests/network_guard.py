"""Refuse every connection that does not go to this machine.

Tests talk to real PostgreSQL and Redis on loopback and to local stand-ins for
the state's CDN and archive.org; anything else is a bug in the test.
"""

import ipaddress
import socket

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex
_original_getaddrinfo = socket.getaddrinfo


class NonLoopbackConnection(ConnectionRefusedError):
    pass


def _check(address) -> None:
    if not isinstance(address, tuple):
        return  # a unix socket
    host = address[0]
    try:
        if ipaddress.ip_address(host.split("%")[0]).is_loopback:
            return
    except ValueError:
        if host == "localhost":
            return
    raise NonLoopbackConnection(f"tests may only connect to loopback, not {host!r}")


def _connect(self, address):
    _check(address)
    return _original_connect(self, address)


def _connect_ex(self, address):
    _check(address)
    return _original_connect_ex(self, address)


def install() -> None:
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
