"""The small byte codecs, digests, MACs and signatures: `encoding/base64`, `encoding/hex`, `crypto/*`.

Digest and decode results are bytes (CUE bytes export as base64 in JSON and
interpolate as text). `base64` functions take an encoding as first argument;
only `null` (standard padded encoding) exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cueflow.cue.std.base import BuiltinError, as_bytes, cue_text, kind_of, package


def _check_encoding(encoding: object) -> None:
    if encoding is not None:
        raise BuiltinError(
            "base64: unsupported encoding: "
            f"cannot use value {cue_text(encoding)} (type {kind_of(encoding)}) as null"
        )


def b64_encode(encoding: object, data: str | bytes) -> str:
    _check_encoding(encoding)
    return base64.b64encode(as_bytes(data)).decode("ascii")


def b64_decode(encoding: object, text: str) -> bytes:
    _check_encoding(encoding)
    # Go ignores \r and \n in the input; everything else must be the padded alphabet.
    cleaned = text.replace("\r", "").replace("\n", "")
    try:
        return base64.b64decode(cleaned, validate=True)
    except binascii.Error as exc:
        position = _first_bad_base64(cleaned)
        raise BuiltinError(f"illegal base64 data at input byte {position}") from exc


def _first_bad_base64(text: str) -> int:
    """Where Go's decoder stops: the first byte outside the alphabet, or the unfinished quantum."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    data = text.rstrip("=")
    for i, char in enumerate(data):
        if char not in alphabet:
            return i
    padding = len(text) - len(data)
    if padding and (len(text) % 4 or padding > 2):
        return len(data) + (padding if len(text) % 4 else 0)
    return len(data) - len(data) % 4


def b64_encoded_len(encoding: object, n: int) -> int:
    _check_encoding(encoding)
    return (n + 2) // 3 * 4


def b64_decoded_len(encoding: object, n: int) -> int:
    _check_encoding(encoding)
    return n // 4 * 3


def hex_decode(text: str) -> bytes:
    """Go's hex.DecodeString, with its two error messages."""
    for char in text:
        if char not in "0123456789abcdefABCDEF":
            raise BuiltinError(f"encoding/hex: invalid byte: U+{ord(char):04X} {char!r}")
    if len(text) % 2:
        raise BuiltinError("encoding/hex: odd length hex string")
    return bytes.fromhex(text)


def hex_dump(data: str | bytes) -> str:
    """Go's hex.Dump: offset, 16 bytes in two groups of 8, and the printable text."""
    raw = as_bytes(data)
    lines = []
    for offset in range(0, len(raw), 16):
        chunk = raw[offset : offset + 16]
        cells = [f"{b:02x}" for b in chunk] + ["  "] * (16 - len(chunk))
        text = "".join(chr(b) if 32 <= b <= 126 else "." for b in chunk)
        lines.append(f"{offset:08x}  {' '.join(cells[:8])}  {' '.join(cells[8:])}  |{text}|\n")
    return "".join(lines)


def _digest(algorithm: str) -> Callable[[str | bytes], bytes]:
    return lambda data: hashlib.new(algorithm, as_bytes(data)).digest()


BASE64 = package(
    "encoding/base64",
    [
        ("EncodedLen", b64_encoded_len, "_ int", "int"),
        ("DecodedLen", b64_decoded_len, "_ int", "int"),
        ("Encode", b64_encode, "_ bytes|string", "string"),
        ("Decode", b64_decode, "_ string", "bytes"),
    ],
)

HEX = package(
    "encoding/hex",
    [
        ("EncodedLen", lambda n: n * 2, "int", "int"),
        ("DecodedLen", lambda n: n // 2, "int", "int"),
        ("Decode", hex_decode, "string", "bytes"),
        ("Dump", hex_dump, "bytes|string", "string"),
        ("Encode", lambda data: as_bytes(data).hex(), "bytes|string", "string"),
    ],
)

SHA256 = package(
    "crypto/sha256",
    [
        ("Sum256", _digest("sha256"), "bytes|string", "bytes"),
        ("Sum224", _digest("sha224"), "bytes|string", "bytes"),
    ],
    {"Size": 32, "Size224": 28, "BlockSize": 64},
)

SHA512 = package(
    "crypto/sha512",
    [
        ("Sum512", _digest("sha512"), "bytes|string", "bytes"),
        ("Sum384", _digest("sha384"), "bytes|string", "bytes"),
        ("Sum512_224", _digest("sha512_224"), "bytes|string", "bytes"),
        ("Sum512_256", _digest("sha512_256"), "bytes|string", "bytes"),
    ],
    {"Size": 64, "Size224": 28, "Size256": 32, "Size384": 48, "BlockSize": 128},
)

SHA1 = package(
    "crypto/sha1",
    [("Sum", _digest("sha1"), "bytes|string", "bytes")],
    {"Size": 20, "BlockSize": 64},
)

_HMAC_HASHES = {
    "MD5": "md5",
    "SHA1": "sha1",
    "SHA224": "sha224",
    "SHA256": "sha256",
    "SHA384": "sha384",
    "SHA512": "sha512",
    "SHA512_224": "sha512_224",
    "SHA512_256": "sha512_256",
}


def hmac_sign(hash_name: str, key: str | bytes, data: str | bytes) -> bytes:
    if hash_name not in _HMAC_HASHES:
        raise BuiltinError("unsupported hash function")
    return hmac.new(as_bytes(key), as_bytes(data), _HMAC_HASHES[hash_name]).digest()


HMAC = package(
    "crypto/hmac",
    [("Sign", hmac_sign, "string bytes|string bytes|string", "bytes")],
    {name: name for name in _HMAC_HASHES},
)

MD5 = package(
    "crypto/md5", [("Sum", _digest("md5"), "bytes|string", "bytes")], {"Size": 16, "BlockSize": 64}
)


def ed25519_valid(public_key: str | bytes, message: str | bytes, signature: str | bytes) -> bool:
    """Whether `signature` is the Ed25519 signature of `message` by `public_key` (32 bytes)."""
    key = as_bytes(public_key)
    if len(key) != 32:
        raise BuiltinError("ed25519: publicKey must be 32 bytes")
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(as_bytes(signature), as_bytes(message))
    except InvalidSignature:
        return False
    return True


ED25519 = package(
    "crypto/ed25519",
    [("Valid", ed25519_valid, "bytes|string bytes|string bytes|string", "bool")],
    {"PublicKeySize": 32},
)
