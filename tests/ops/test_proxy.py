"""The visitor's address behind trusted reverse proxies (hub.trusted_proxies)."""
import pytest
from pyramid.request import Request

from hub.proxy import client_address, networks, trusted_proxy_tween_factory
from hub.settings import SettingsError

TRUSTED = networks(["127.0.0.1", "10.0.0.0/8"])


@pytest.mark.parametrize("peer, header, expected", [
    ("127.0.0.1", "203.0.113.5", "203.0.113.5"),
    # A visitor's own X-Forwarded-For comes first; the proxy appends what it saw.
    ("127.0.0.1", "198.51.100.1, 203.0.113.5", "203.0.113.5"),
    ("127.0.0.1", "203.0.113.5, 10.0.0.7", "203.0.113.5"),
    ("192.0.2.1", "203.0.113.5", None),  # not a trusted proxy: header ignored
    ("127.0.0.1", "not-an-address", None),
    ("127.0.0.1", "10.0.0.8", "10.0.0.8"),
])
def test_client_address(peer, header, expected):
    assert client_address(peer, header, TRUSTED) == expected


def test_the_tween_rewrites_remote_addr_for_everything_after_it():
    seen = []
    registry = {"hub.trusted_proxies": TRUSTED}
    tween = trusted_proxy_tween_factory(lambda request: seen.append(request.remote_addr),
                                        registry)
    tween(Request.blank("/", remote_addr="127.0.0.1",
                        headers={"X-Forwarded-For": "203.0.113.5"}))
    tween(Request.blank("/", remote_addr="192.0.2.1",
                        headers={"X-Forwarded-For": "203.0.113.5"}))
    assert seen == ["203.0.113.5", "192.0.2.1"]


def test_a_bad_proxy_address_stops_start_up(make_app):
    with pytest.raises(SettingsError, match="hub.trusted_proxies"):
        make_app("news", **{"hub.trusted_proxies": "proxy.example"})
