"""Which push endpoints the server may POST to.

A client names its push service's URL and the delivery job POSTs to it: without a check, anyone
with an account could make the server send requests into its own network (server-side request
forgery). An endpoint must be https and every address its host resolves to must be public; a
setting (PUSH_ALLOW_LOCAL_ENDPOINTS, for the tests and the demo only) lifts both rules.
"""
import ipaddress
import socket
from urllib.parse import urlsplit

NOT_PUBLIC = "Push endpoints must be on the public internet, not on this machine or a private network."


def endpoint_problem(endpoint: str, allow_local: bool = False) -> str | None:
    """Why the server must not POST to `endpoint` (None if it may)."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return "Not a valid URL."
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Must be an https URL."
    if parts.username or parts.password:
        return "Must not carry a user name or password."
    if allow_local:
        return None
    if parts.scheme != "https":
        return "Must be an https URL."
    try:
        found = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return "Its host name does not resolve."
    for *_ignored, address in found:
        if not is_public(address[0]):
            return NOT_PUBLIC
    return None


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
