"""The CUE `net` package: IP addresses and prefixes with Go's `net/netip` rules, URL escaping.

An address argument may be text ("10.0.0.1", "fe80::1%eth0") or a list of 4 or 16
byte values. A prefix keeps its host bits ("10.1.2.3/8" is valid, as in Go).
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from typing import Any

from cueflow.cue.std.base import BuiltinError, as_text, cue_text, kind_of, package

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Interface = ipaddress.IPv4Interface | ipaddress.IPv6Interface


def parse_addr(text: str) -> Address:
    """Go's netip.ParseAddr: strict dotted IPv4 or IPv6 (with an optional zone)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise BuiltinError(f'ParseAddr("{text}"): unable to parse IP') from None


def address(value: Any) -> Address:
    """An address argument: text, bytes or a list of byte values."""
    if isinstance(value, str | bytes):
        return parse_addr(as_text(value))
    if isinstance(value, list):
        for byte in value:
            if not isinstance(byte, int) or isinstance(byte, bool) or not 0 <= byte <= 255:
                raise BuiltinError(f"invalid IP byte value {cue_text(byte)}")
        if len(value) == 4:
            return ipaddress.IPv4Address(bytes(value))
        if len(value) == 16:
            return ipaddress.IPv6Address(bytes(value))
        raise BuiltinError(f"invalid IP length {len(value)}")
    raise BuiltinError(f"invalid type {kind_of(value)} for IP address")


def prefix(value: Any) -> Interface:
    """Go's netip.ParsePrefix: an address, "/" and a length; host bits are kept."""
    if not isinstance(value, str | bytes):
        raise BuiltinError(f"invalid type {kind_of(value)} for IP CIDR")
    text = as_text(value)
    addr_text, slash, bits = text.partition("/")
    if not slash:
        raise BuiltinError(f"netip.ParsePrefix(\"{text}\"): no '/'")
    addr = parse_addr(addr_text)
    if isinstance(addr, ipaddress.IPv6Address) and addr.scope_id:
        raise BuiltinError(f'netip.ParsePrefix("{text}"): IPv6 zones cannot be present in a prefix')
    if not bits.isdigit() or (len(bits) > 1 and bits[0] == "0") or int(bits) > addr.max_prefixlen:
        raise BuiltinError(f'netip.ParsePrefix("{text}"): bad bits after slash: "{bits}"')
    return ipaddress.ip_interface(f"{addr}/{bits}")


def addr_text(addr: Address) -> str:
    """Go's Addr.String: IPv4-mapped IPv6 keeps its dotted tail."""
    if (
        isinstance(addr, ipaddress.IPv6Address)
        and addr.ipv4_mapped is not None
        and not addr.scope_id
    ):
        return f"::ffff:{addr.ipv4_mapped}"
    return str(addr)


def _unmapped(addr: Address) -> Address:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _in(addr: Address, network: str) -> bool:
    net = ipaddress.ip_network(network)
    return addr.version == net.version and addr in net


def _link_local_unicast(addr: Address) -> bool:
    return _in(_unmapped(addr), "169.254.0.0/16") or _in(addr, "fe80::/10")


def global_unicast(value: Any) -> bool:
    """Go's IsGlobalUnicast: private ranges count, special ranges do not."""
    addr = address(value)
    plain = _unmapped(addr)
    if isinstance(plain, ipaddress.IPv4Address) and plain == ipaddress.IPv4Address(
        "255.255.255.255"
    ):
        return False
    return not (
        plain.is_unspecified or plain.is_loopback or plain.is_multicast or _link_local_unicast(addr)
    )


def _bytes(addr: Address) -> list[int]:
    return list(addr.packed)


def to_ip4(value: Any) -> list[int]:
    addr = _unmapped(address(value))
    if not isinstance(addr, ipaddress.IPv4Address):
        raise BuiltinError(f'cannot convert "{addr_text(address(value))}" to IPv4')
    return _bytes(addr)


def to_ip16(value: Any) -> list[int]:
    addr = address(value)
    if isinstance(addr, ipaddress.IPv4Address):
        addr = ipaddress.IPv6Address(b"\0" * 10 + b"\xff\xff" + addr.packed)
    return _bytes(addr)


def _add(addr: Address, offset: int) -> Address:
    value = int(addr) + offset
    if value < 0:
        raise BuiltinError("IP address arithmetic resulted in out-of-range address (underflow)")
    if value >= 1 << addr.max_prefixlen:
        raise BuiltinError("IP address arithmetic resulted in out-of-range address (overflow)")
    return ipaddress.ip_address(value) if addr.version == 4 else ipaddress.IPv6Address(value)


def add_ip(value: Any, offset: int) -> str:
    if isinstance(value, str | bytes) and "/" in as_text(value):
        iface = prefix(value)
        return f"{addr_text(_add(iface.ip, offset))}/{iface.network.prefixlen}"
    return addr_text(_add(address(value), offset))


def add_ip_cidr(value: Any, offset: int) -> str:
    iface = prefix(value)
    shifted = offset << (iface.max_prefixlen - iface.network.prefixlen)
    return f"{addr_text(_add(iface.ip, shifted))}/{iface.network.prefixlen}"


def parse_cidr(text: str) -> dict[str, Any]:
    iface = prefix(text)
    network = iface.network
    result: dict[str, Any] = {
        "prefix_mask": str(network.netmask),
        "prefix_len": network.prefixlen,
        "prefix_addr": addr_text(network.network_address),
    }
    if network.version == 4:
        result["broadcast_addr"] = str(network.broadcast_address)
    return result


def in_cidr(ip: Any, cidr: Any) -> bool:
    addr, network = address(ip), prefix(cidr).network
    return addr.version == network.version and addr in network


def compare_ip(a: Any, b: Any) -> int:
    """Go's Addr.Compare: IPv4 before IPv6, then by value."""
    first, second = address(a), address(b)
    key1, key2 = (first.version, int(first)), (second.version, int(second))
    return (key1 > key2) - (key1 < key2)


def split_host_port(text: str) -> list[str]:
    """Go's net.SplitHostPort: "host:port" or "[v6-host]:port"."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise BuiltinError(f"address {text}: missing ']' in address")
        host, rest = text[1:end], text[end + 1 :]
        if not rest.startswith(":"):
            raise BuiltinError(f"address {text}: missing port in address")
        return [host, rest[1:]]
    host, colon, port = text.rpartition(":")
    if not colon:
        raise BuiltinError(f"address {text}: missing port in address")
    if ":" in host:
        raise BuiltinError(f"address {text}: too many colons in address")
    return [host, port]


def join_host_port(host: Any, port: Any) -> str:
    if isinstance(host, list):
        try:
            host_text = addr_text(address(host))
        except BuiltinError:
            raise BuiltinError(f"invalid host [{', '.join(map(cue_text, host))}]") from None
    else:
        host_text = as_text(host)
    port_text = as_text(port) if isinstance(port, str | bytes) else str(port)
    return f"[{host_text}]:{port_text}" if ":" in host_text else f"{host_text}:{port_text}"


def _unescape(text: str, plus_is_space: bool) -> str:
    for i, char in enumerate(text):
        if char == "%" and not all(
            c in "0123456789abcdefABCDEF" for c in text[i + 1 : i + 3].ljust(2, "x")
        ):
            raise BuiltinError(f'invalid URL escape "{text[i : i + 3]}"')
    return urllib.parse.unquote_plus(text) if plus_is_space else urllib.parse.unquote(text)


_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")


def fqdn(text: str) -> bool:
    """A DNS name of letters, digits and inner hyphens; labels up to 63, name up to 253."""
    name = text.removesuffix(".")
    if not text.isascii() or not name or len(name) > 253:
        return False
    return all(len(label) <= 63 and _LABEL.fullmatch(label) for label in name.split("."))


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:%\[\]<>\"]*")


def parse_url(text: str) -> str:
    """Check `text` the way Go's url.Parse does; the scheme ("" if none) on success."""

    def fail(reason: str) -> BuiltinError:
        return BuiltinError(f'parse "{text}": {reason}')

    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise fail("net/url: invalid control character in URL")
    rest, _, fragment = text.partition("#")
    if text.startswith(":"):
        raise fail("missing protocol scheme")
    scheme_match = _SCHEME.match(rest)
    scheme = scheme_match.group()[:-1] if scheme_match else ""
    rest = rest[len(scheme) + 1 :] if scheme else rest
    rest = rest.partition("?")[0]
    if scheme and not rest.startswith("/"):
        rest = ""  # opaque data such as mailto:someone
    elif not scheme and ":" in rest.partition("/")[0]:
        raise fail("first path segment in URL cannot contain colon")
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        host = authority.rpartition("@")[2]
        if host.startswith("["):
            end = host.find("]")
            port = host[end + 1 :] if end >= 0 else ""
            if end < 0 or (port and not re.fullmatch(r":[0-9]*", port)):
                raise fail(
                    f'invalid port "{port}" after host' if end >= 0 else "missing ']' in host"
                )
        else:
            name, colon, port = host.rpartition(":") if ":" in host else (host, "", "")
            if colon and not port.isdigit() and port:
                raise fail(f'invalid port ":{port}" after host')
            if not _HOST_CHARS.fullmatch(name):
                bad = next(c for c in name if not _HOST_CHARS.fullmatch(c))
                raise fail(f'invalid character "{bad}" in host name')
    for part in (rest, fragment):
        if bad := _BAD_ESCAPE.search(part):
            raise fail(f'invalid URL escape "{part[bad.start() : bad.start() + 3]}"')
    return scheme


def absolute_url(text: str) -> bool:
    if not parse_url(text):
        raise BuiltinError("URL is not absolute")
    return True


def _predicate(test: Any) -> Any:
    return lambda value: bool(test(address(value)))


MEMBERS = package(
    "net",
    [
        ("SplitHostPort", split_host_port, "string", "list"),
        ("FQDN", fqdn, "string", "bool"),
        ("URL", lambda text: parse_url(text) is not None, "string", "bool"),
        ("AbsURL", absolute_url, "string", "bool"),
        ("JoinHostPort", join_host_port, "_ _", "string"),
        ("ParseIP", lambda text: _bytes(parse_addr(text)), "string", "list"),
        ("IPv4", _predicate(lambda a: a.version == 4), "_", "bool"),
        ("IPv6", _predicate(lambda a: a.version == 6), "_", "bool"),
        ("IP", _predicate(lambda a: True), "_", "bool"),
        ("IPCIDR", lambda value: prefix(value) is not None, "_", "bool"),
        ("LoopbackIP", _predicate(lambda a: _unmapped(a).is_loopback), "_", "bool"),
        ("MulticastIP", _predicate(lambda a: _unmapped(a).is_multicast), "_", "bool"),
        ("InterfaceLocalMulticastIP", _predicate(lambda a: _in(a, "ff01::/16")), "_", "bool"),
        (
            "LinkLocalMulticastIP",
            _predicate(lambda a: _in(_unmapped(a), "224.0.0.0/24") or _in(a, "ff02::/16")),
            "_",
            "bool",
        ),
        ("LinkLocalUnicastIP", _predicate(_link_local_unicast), "_", "bool"),
        ("GlobalUnicastIP", global_unicast, "_", "bool"),
        ("UnspecifiedIP", _predicate(lambda a: a.is_unspecified), "_", "bool"),
        ("ToIP4", to_ip4, "_", "list"),
        ("ToIP16", to_ip16, "_", "list"),
        ("IPString", lambda value: addr_text(address(value)), "_", "string"),
        ("AddIP", add_ip, "_ int", "string"),
        ("AddIPCIDR", add_ip_cidr, "_ int", "string"),
        ("ParseCIDR", parse_cidr, "string", "struct"),
        ("InCIDR", in_cidr, "_ _", "bool"),
        ("CompareIP", compare_ip, "_ _", "int"),
        (
            "PathEscape",
            lambda text: urllib.parse.quote(text, safe="!$&'()*+,;=:@"),
            "string",
            "string",
        ),
        ("PathUnescape", lambda text: _unescape(text, plus_is_space=False), "string", "string"),
        ("QueryEscape", lambda text: urllib.parse.quote_plus(text, safe=""), "string", "string"),
        ("QueryUnescape", lambda text: _unescape(text, plus_is_space=True), "string", "string"),
    ],
    {"IPv4len": 4, "IPv6len": 16},
)
