"""The CUE `uuid` package: parse, validate and derive RFC 4122 UUIDs (text in, text out)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from cueflow.cue.std.base import BuiltinError, ValidationError, as_bytes, package

_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def _parse(text: str) -> bytes:
    """The 16 bytes of a UUID written plain, in braces, as a URN or without dashes."""
    body = text
    if len(text) == 45:
        if text[:9].lower() != "urn:uuid:":
            raise BuiltinError(f"invalid urn prefix: {text[:9]!r}")
        body = text[9:]
    elif len(text) == 38:
        if text[0] != "{" or text[-1] != "}":
            raise BuiltinError("invalid UUID format")
        body = text[1:-1]
    elif len(text) not in (32, 36):
        raise BuiltinError(f"invalid UUID length: {len(text)}")
    if len(body) == 36:
        if any(body[i] != "-" for i in (8, 13, 18, 23)):
            raise BuiltinError("invalid UUID format")
        body = body.replace("-", "")
    if not _HEX32.fullmatch(body):
        raise BuiltinError("invalid UUID format")
    return bytes.fromhex(body)


def _text(raw: bytes) -> str:
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def valid(text: str) -> bool:
    try:
        _parse(text)
    except BuiltinError as exc:
        raise ValidationError(str(exc)) from exc
    return True


def from_int(i: int) -> str:
    if i < 0:
        raise BuiltinError("invalid UUID: negative integer")
    size = max(16, (i.bit_length() + 7) // 8)
    if size > 16:
        raise BuiltinError(f"invalid UUID (got {size} bytes)")
    return _text(i.to_bytes(16, "big"))


def variant(text: str) -> int:
    """Google's uuid.Variant numbering: 1 RFC 4122, 2 reserved (NCS), 3 Microsoft, 4 future."""
    byte = _parse(text)[8]
    if byte & 0xC0 == 0x80:
        return 1
    if byte & 0xE0 == 0xC0:
        return 3
    if byte & 0xE0 == 0xE0:
        return 4
    return 2


def _named(hash_name: str, version: int) -> Callable[[str, str | bytes], str]:
    def derive(space: str, data: str | bytes) -> str:
        digest = bytearray(hashlib.new(hash_name, _parse(space) + as_bytes(data)).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | (version << 4)
        digest[8] = (digest[8] & 0x3F) | 0x80
        return _text(bytes(digest))

    return derive


MEMBERS = package(
    "uuid",
    [
        ("Valid", valid, "string", "bool"),
        ("Parse", lambda text: _text(_parse(text)), "string", "string"),
        ("URN", lambda text: "urn:uuid:" + _text(_parse(text)), "string", "string"),
        ("FromInt", from_int, "int", "string"),
        ("ToInt", lambda text: int.from_bytes(text.encode("utf-8"), "big"), "string", "int"),
        ("Variant", variant, "string", "int"),
        ("Version", lambda text: _parse(text)[6] >> 4, "string", "int"),
        ("SHA1", _named("sha1", 5), "string bytes|string", "string"),
        ("MD5", _named("md5", 3), "string bytes|string", "string"),
    ],
    {
        "ns": {
            "DNS": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
            "URL": "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
            "OID": "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
            "X500": "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
            "Nil": "00000000-0000-0000-0000-000000000000",
        },
        "variants": {"Invalid": 0, "RFC4122": 1, "Reserved": 2, "Microsoft": 3, "Future": 4},
    },
)
