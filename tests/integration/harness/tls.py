"""A throwaway test CA and a server certificate it signs, for HTTPS stubs.

Keys are EC P-256 and certificates are valid from one hour ago for 7 days,
generated with the `cryptography` package (a dependency of moto).
"""

from __future__ import annotations

import atexit
import datetime
import ipaddress
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_DNS_NAMES = ("s3.test", "*.s3.test")


@dataclass(frozen=True)
class TestCertificates:
    """PEM files: the CA certificate to trust, and the server's certificate and key."""

    # Keeps unittest from collecting this class as a test case.
    __test__ = False

    ca_file: Path
    cert_file: Path
    key_file: Path
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def create_certificates(
    directory: Path,
    dns_names: Sequence[str] = DEFAULT_DNS_NAMES,
    ip_addresses: Sequence[str] = (),
) -> TestCertificates:
    """Write ca.pem, server.pem and server.key into `directory`.

    The server certificate covers exactly `dns_names` and `ip_addresses`.
    By default it does not cover 127.0.0.1, so a client must connect with a
    covered host name (for curl, `--resolve s3.test:PORT:127.0.0.1`).
    """
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    not_before = now - datetime.timedelta(hours=1)
    not_after = now + datetime.timedelta(days=7)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("s3catalog test CA"))
        .issuer_name(_name("s3catalog test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    server_key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses]
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(dns_names[0] if dns_names else "s3catalog test server"))
        .issuer_name(ca_cert.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    ca_file = directory / "ca.pem"
    cert_file = directory / "server.pem"
    key_file = directory / "server.key"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(_pem_key(server_key))
    key_file.chmod(0o600)
    return TestCertificates(
        ca_file=ca_file,
        cert_file=cert_file,
        key_file=key_file,
        dns_names=tuple(dns_names),
        ip_addresses=tuple(ip_addresses),
    )


_shared: dict[tuple[tuple[str, ...], tuple[str, ...]], TestCertificates] = {}
_shared_lock = threading.Lock()


def shared_certificates(
    dns_names: Sequence[str] = DEFAULT_DNS_NAMES, ip_addresses: Sequence[str] = ()
) -> TestCertificates:
    """Return certificates for these names, created once per test process and deleted at exit."""
    cache_key = (tuple(dns_names), tuple(ip_addresses))
    with _shared_lock:
        if cache_key not in _shared:
            directory = Path(tempfile.mkdtemp(prefix="s3stub-tls-"))
            atexit.register(shutil.rmtree, directory, True)
            _shared[cache_key] = create_certificates(directory, dns_names, ip_addresses)
        return _shared[cache_key]
