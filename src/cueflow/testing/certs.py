"""A throw-away certificate authority with a server (127.0.0.1) and a client certificate."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["Pki", "make_pki"]


@dataclass(frozen=True)
class Pki:
    """PEM texts and the files they were written to."""

    ca_cert: str
    server_cert: str
    server_key: str
    client_cert: str
    client_key: str
    folder: Path

    def path(self, name: str) -> str:
        return str(self.folder / name)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _issue(subject: str, key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey,
           issuer: str, *, ca: bool, usage: x509.ObjectIdentifier | None) -> str:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False)
    if usage is ExtendedKeyUsageOID.SERVER_AUTH:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def make_pki(folder: Path) -> Pki:
    """Create the CA and both certificates, writing `ca.crt`, `server.crt`, `server.key`,
    `client.crt` and `client.key` into `folder`."""
    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    pki = Pki(
        ca_cert=_issue("cueflow test CA", ca_key, ca_key, "cueflow test CA", ca=True, usage=None),
        server_cert=_issue("127.0.0.1", server_key, ca_key, "cueflow test CA", ca=False,
                           usage=ExtendedKeyUsageOID.SERVER_AUTH),
        server_key=_key_pem(server_key),
        client_cert=_issue("cueflow client", client_key, ca_key, "cueflow test CA", ca=False,
                           usage=ExtendedKeyUsageOID.CLIENT_AUTH),
        client_key=_key_pem(client_key),
        folder=folder,
    )
    for name, text in (("ca.crt", pki.ca_cert), ("server.crt", pki.server_cert),
                       ("server.key", pki.server_key), ("client.crt", pki.client_cert),
                       ("client.key", pki.client_key)):
        (folder / name).write_text(text)
    return pki
