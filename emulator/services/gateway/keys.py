"""The token issuer's RSA signing keys: generated (2048-bit), kept in <data_dir>/gateway/keys.json (or in memory,
a fresh key each run), published as a JWKS the way Auth0 publishes its own (kty, use, n, e, kid, x5t, x5c, alg),
rotated (a new signing key beside the old ones, which stay valid) and retired."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# cryptography (~60 ms to import with its x509 half) is imported where a key is made, loaded or published: a
# server whose gateway issues no token never pays for it (docs/architecture.md, "Startup").
if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

FILE = "keys.json"
KEY_SIZE = 2048
CERT_YEARS = 10
COMMON_NAME = "ai-gateway.emulator"


class KeyFileError(Exception):
    """keys.json exists but cannot be used; the message names the file and the problem."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    created: float  # wall-clock seconds

    @classmethod
    def generate(cls, created: float, common_name: str = COMMON_NAME) -> SigningKey:
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
        return cls(thumbprint(key.public_key()), key, _certificate(key, common_name, created), created)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def jwk(self) -> dict[str, Any]:
        """The public key as Auth0's JWKS lists it."""
        from cryptography.hazmat.primitives import serialization

        numbers = self.public_key.public_numbers()
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return {
            "kty": "RSA", "use": "sig", "n": _uint(numbers.n), "e": _uint(numbers.e), "kid": self.kid,
            "x5t": b64url(hashlib.sha1(der).digest()), "x5c": [base64.b64encode(der).decode()], "alg": "RS256",
        }

    def private_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    def _record(self) -> dict[str, Any]:
        from cryptography.hazmat.primitives import serialization

        return {"kid": self.kid, "created": self.created, "private_key": self.private_pem().decode(),
                "certificate": self.certificate.public_bytes(serialization.Encoding.PEM).decode()}

    @classmethod
    def _from_record(cls, record: dict[str, Any]) -> SigningKey:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = serialization.load_pem_private_key(record["private_key"].encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("not an RSA key")
        cert = x509.load_pem_x509_certificate(record["certificate"].encode())
        return cls(thumbprint(key.public_key()), key, cert, float(record["created"]))


def thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url): the kid, stable for a key and the same wherever computed."""
    numbers = public_key.public_numbers()
    canonical = json.dumps({"e": _uint(numbers.e), "kty": "RSA", "n": _uint(numbers.n)}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def _certificate(key: rsa.RSAPrivateKey, common_name: str, created: float) -> x509.Certificate:
    """A self-signed certificate for the key, as x5c carries one (Auth0's are self-signed, CN = the tenant)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime.fromtimestamp(int(created), dt.UTC)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * CERT_YEARS))
        .sign(key, hashes.SHA256())
    )


class KeyRing:
    """The published keys, the newest (the one that signs) first. Every change is saved at once when the ring
    has a directory."""

    def __init__(self, keys: list[SigningKey], directory: Path | None = None,
                 common_name: str = COMMON_NAME) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._keys = list(keys)
        self.directory = directory
        self.common_name = common_name

    @classmethod
    def open(cls, directory: Path | None, now_wall: float | None = None,
             common_name: str = COMMON_NAME) -> KeyRing:
        """The ring saved in directory/keys.json, or a new one with one key (saved there). directory None: in
        memory, a new key every time. Raises KeyFileError for a file that exists but cannot be used."""
        now_wall = time.time() if now_wall is None else now_wall
        saved = cls.saved(directory, common_name) if directory is not None else None
        if saved is not None:
            return saved
        ring = cls([SigningKey.generate(now_wall, common_name)], directory, common_name)
        ring.save()
        return ring

    @classmethod
    def saved(cls, directory: Path, common_name: str = COMMON_NAME) -> KeyRing | None:
        """The ring saved in directory/keys.json; None when there is no such file. Raises KeyFileError for a
        file that exists but cannot be used."""
        path = directory / FILE
        return cls(_load(path), directory, common_name) if path.exists() else None

    @property
    def current(self) -> SigningKey:
        """The key new tokens are signed with."""
        return self._keys[0]

    @property
    def keys(self) -> list[SigningKey]:
        return list(self._keys)

    def get(self, kid: str) -> SigningKey | None:
        return next((k for k in self._keys if k.kid == kid), None)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.jwk() for k in self._keys]}

    def rotate(self, now_wall: float | None = None) -> SigningKey:
        """A new signing key; the others stay published (tokens they signed stay valid) until retired."""
        key = SigningKey.generate(time.time() if now_wall is None else now_wall, self.common_name)
        self._keys.insert(0, key)
        self.save()
        return key

    def retire(self, kid: str) -> None:
        """Stop publishing an old key: tokens it signed fail with "unknown key". The signing key cannot be
        retired (rotate first). Raises KeyError for a kid not published, ValueError for the signing key."""
        key = self.get(kid)
        if key is None:
            raise KeyError(kid)
        if key is self.current:
            raise ValueError(f"{kid} is the signing key: rotate before retiring it")
        self._keys.remove(key)
        self.save()

    def save(self) -> None:
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / FILE
        tmp = path.with_suffix(".tmp")
        data = json.dumps({"keys": [k._record() for k in self._keys]}, indent=1).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private keys: owner only
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)


def _load(path: Path) -> list[SigningKey]:
    try:
        records = json.loads(path.read_text())["keys"]
        keys = [SigningKey._from_record(r) for r in records]
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyFileError(f"{path}: not a key file this emulator wrote ({exc}); delete it for a new key") from None
    if not keys:
        raise KeyFileError(f"{path}: holds no key; delete it for a new key")
    return keys
