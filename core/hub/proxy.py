"""The visitor's address behind a reverse proxy (``hub.trusted_proxies``).

Behind nginx or a load balancer every request comes from the proxy's address; rate limits
by address would then count all visitors as one. When the peer is one of the trusted
proxies (addresses or networks), ``REMOTE_ADDR`` becomes the nearest address in
``X-Forwarded-For`` that is not a trusted proxy itself; a visitor cannot choose it by
sending the header, because the proxy appends the address it saw. Waitress does the same
with its own ``trusted_proxy`` options; gunicorn does not, hence this step.
"""
from __future__ import annotations

import ipaddress

from pyramid.tweens import INGRESS

from hub.settings import SettingsError

ENVIRON_PEER = "hub.proxy_peer"


def networks(values, key: str = "hub.trusted_proxies") -> list:
    result = []
    for value in values:
        try:
            result.append(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise SettingsError(f"{key}: {value!r} is not an address or network") from exc
    return result


def within(address: str | None, nets: list) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(peer: str | None, forwarded_for: str, trusted: list) -> str | None:
    """The visitor's address, or None when ``peer`` is not a trusted proxy."""
    if not within(peer, trusted):
        return None
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return None  # a damaged header: keep the proxy's address
        if not within(hop, trusted):
            return hop
    return hops[0] if hops else None


def trusted_proxy_tween_factory(handler, registry):
    trusted = registry["hub.trusted_proxies"]

    def trusted_proxy_tween(request):
        environ = request.environ
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if forwarded and ENVIRON_PEER not in environ:
            client = client_address(environ.get("REMOTE_ADDR"), forwarded, trusted)
            if client:
                environ[ENVIRON_PEER] = environ.get("REMOTE_ADDR")
                environ["REMOTE_ADDR"] = client
        return handler(request)

    return trusted_proxy_tween


def includeme(config):
    trusted = networks(config.get_settings().get("hub.trusted_proxies") or ())
    config.registry["hub.trusted_proxies"] = trusted
    if trusted:
        config.add_tween("hub.proxy.trusted_proxy_tween_factory", under=INGRESS)
