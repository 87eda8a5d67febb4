"""The box's own HTTPS certificate, made with the `cryptography` package (no crypto code here).

Two certificates, as local development CAs do it:
- a small certificate authority for this one box (tls/ca.pem, 10 years), the file the owner may
  download and trust on their phone once. It is name-constrained (RFC 5280 4.2.1.10) to .local
  names, this box's host name and private addresses, so even its key could not vouch for a bank's
  web site;
- the server certificate the web UI presents (tls/cert.pem with the CA after it, tls/key.pem),
  for textback.local, the host name and the box's addresses, valid 397 days (what browsers accept
  for a server certificate) and made again at start-up when fewer than 30 days are left, when the
  host name or an address is new, or when it cannot be read. A phone that trusts the CA sees no
  warning after a renewal.

Keys are ECDSA P-256, written 0600. `[web] cert` / `key` naming the owner's own files turn all of
this off: those are used as they are, never replaced.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from agent.config import Config
from agent.errors import ConfigError
from agent.tools.box_names import box_addresses, box_names

__all__ = ["CertificateState", "ensure_certificate", "read_certificate", "certificate_paths", "fingerprint", "box_names",
           "box_addresses", "SERVER_DAYS", "RENEW_DAYS"]

log = logging.getLogger(__name__)

SERVER_DAYS = 397
RENEW_DAYS = 30
CA_DAYS = 3650
_PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
                     "100.64.0.0/10", "fc00::/7", "fe80::/10", "::1/128")


@dataclass(frozen=True)
class CertificateState:
    cert_path: Path
    key_path: Path
    ca_path: Path | None          # None for the owner's own certificate
    fingerprint: str              # SHA-256 of the server certificate, AA:BB:…
    ca_fingerprint: str | None
    not_after: datetime
    action: str                   # made, renewed, kept, own


def fingerprint(cert: x509.Certificate) -> str:
    return ":".join(f"{byte:02X}" for byte in cert.fingerprint(hashes.SHA256()))


def _coverable(address: str) -> bool:
    """Only addresses the CA's name constraints permit (private, loopback), and no link-local ones:
    a browser cannot be pointed at those without a zone."""
    ip = ipaddress.ip_address(address)
    return not ip.is_link_local and any(ip in ipaddress.ip_network(net) for net in _PRIVATE_NETWORKS)


def certificate_paths(config: Config) -> tuple[Path, Path, bool]:
    """(certificate, key, is_the_box_own): empty [web] cert/key mean <data folder>/tls/…"""
    folder = Path(config.storage.database).resolve().parent / "tls"
    if config.web.cert or config.web.key:
        base = Path(config.source).resolve().parent if config.source not in ("<defaults>", "demo") else Path.cwd()
        cert = Path(config.web.cert) if config.web.cert else folder / "cert.pem"
        key = Path(config.web.key) if config.web.key else folder / "key.pem"
        return (cert if cert.is_absolute() else base / cert), (key if key.is_absolute() else base / key), False
    return folder / "cert.pem", folder / "key.pem", True


def _write(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    temporary = path.with_name(path.name + ".new")
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as handle:
        handle.write(data)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _make_ca(folder: Path, now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"TextBack box {socket.gethostname()}"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TextBack")])
    permitted = [x509.DNSName("local"), x509.DNSName("localhost")]
    host = socket.gethostname().strip().lower()
    if host and host != "localhost":
        permitted.append(x509.DNSName(host))
    permitted += [x509.IPAddress(ipaddress.ip_network(net)) for net in _PRIVATE_NETWORKS]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write(folder / "ca-key.pem", _pem_key(key), 0o600)
    _write(folder / "ca.pem", cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert, key


def _load_ca(folder: Path, now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    try:
        cert = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key((folder / "ca-key.pem").read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if cert.not_valid_after_utc - now < timedelta(days=SERVER_DAYS + RENEW_DAYS):
        return None
    return cert, key  # type: ignore[return-value]


def _make_server(cert_path: Path, key_path: Path, ca: x509.Certificate, ca_key, names: list[str],
                 addresses: list[str], now: datetime) -> x509.Certificate:
    key = _key()
    alt = [x509.DNSName(name) for name in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=SERVER_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    _write(key_path, _pem_key(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM),
           0o644)
    return cert


def _why_renew(cert_path: Path, key_path: Path, names: list[str], addresses: list[str],
               now: datetime) -> tuple[str | None, x509.Certificate | None]:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except FileNotFoundError:
        return "there was none", None
    except (OSError, ValueError, TypeError) as error:
        return f"the old one could not be read ({error})", None
    left = cert.not_valid_after_utc - now
    if left < timedelta(days=RENEW_DAYS):
        return f"it had {max(0, left.days)} days left", cert
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "it named no host", cert
    have = {n.lower() for n in alt.get_values_for_type(x509.DNSName)}
    have |= {str(a) for a in alt.get_values_for_type(x509.IPAddress)}
    missing = [n for n in names + addresses if n.lower() not in have]
    if missing:
        return f"it did not cover {', '.join(missing)}", cert
    return None, cert


def ensure_certificate(config: Config, now: datetime, names: list[str] | None = None,
                       addresses: list[str] | None = None) -> CertificateState:
    """The certificate to serve, made or renewed when needed; every change is logged.

    The owner's own files ([web] cert/key) are checked, never replaced: missing ones raise
    ConfigError naming the key and the fix; one near its end is logged as a warning."""
    cert_path, key_path, own_box = certificate_paths(config)
    if not own_box:
        for key_name, path in (("cert", cert_path), ("key", key_path)):
            if not path.is_file():
                raise ConfigError(f"{config.source}: [web] {key_name} = {str(path)!r}: no such file. Point it at "
                                  "your PEM file, leave cert and key empty for the box's own certificate, or set "
                                  "[web] tls = false")
        try:
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        except ValueError as error:
            raise ConfigError(f"{config.source}: [web] cert = {str(cert_path)!r}: not a PEM certificate ({error})") \
                from None
        if cert.not_valid_after_utc - now < timedelta(days=RENEW_DAYS):
            log.warning("the certificate %s ends on %s: replace it ([web] cert is yours; TextBack never renews it)",
                        cert_path, cert.not_valid_after_utc.date())
        return CertificateState(cert_path, key_path, None, fingerprint(cert), None, cert.not_valid_after_utc, "own")
    names = names if names is not None else box_names()
    addresses = [a for a in (addresses if addresses is not None else box_addresses()) if _coverable(a)]
    folder = cert_path.parent
    reason, cert = _why_renew(cert_path, key_path, names, addresses, now)
    ca = _load_ca(folder, now)
    if ca is None:
        ca, reason = _make_ca(folder, now), reason or "its authority was missing or near its end"
    elif cert is not None and cert.issuer != ca[0].subject:
        reason = reason or "it was not signed by this box's authority"
    if reason is None and cert is not None:
        return CertificateState(cert_path, key_path, folder / "ca.pem", fingerprint(cert), fingerprint(ca[0]),
                                cert.not_valid_after_utc, "kept")
    action = "made" if cert is None else "renewed"
    cert = _make_server(cert_path, key_path, ca[0], ca[1], names, addresses, now)
    log.warning("HTTPS certificate %s: %s (%s), for %s; valid until %s; SHA-256 %s", cert_path, action, reason,
                ", ".join(names + addresses), cert.not_valid_after_utc.date(), fingerprint(cert))
    return CertificateState(cert_path, key_path, folder / "ca.pem", fingerprint(cert), fingerprint(ca[0]),
                            cert.not_valid_after_utc, action)


def read_certificate(config: Config) -> CertificateState | None:
    """What is being served now, read only (never made here); None when tls is off or none is readable."""
    if not config.web.tls:
        return None
    cert_path, key_path, own_box = certificate_paths(config)
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError):
        return None
    ca_path = cert_path.parent / "ca.pem" if own_box else None
    ca_print = None
    if ca_path is not None:
        try:
            ca_print = fingerprint(x509.load_pem_x509_certificate(ca_path.read_bytes()))
        except (OSError, ValueError):
            ca_path = None
    return CertificateState(cert_path, key_path, ca_path, fingerprint(cert), ca_print, cert.not_valid_after_utc,
                            "kept" if own_box else "own")
