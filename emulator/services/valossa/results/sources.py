"""Reading what a request points to, when it is on this machine: file:// paths and loopback http(s) URLs.
Anything else stays unread: the emulator never goes to the network."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit


class SourceError(Exception):
    """A local source that should be readable but is not; the message names the problem."""


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host: not a URL this machine can read
        return None


def local_path(url: str) -> Path | None:
    parts = _split(url)
    if parts is None:
        return None
    if parts.scheme.lower() != "file":
        return None
    return Path(unquote(parts.path))


def is_loopback(url: str) -> bool:
    parts = _split(url)
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def readable(url: str | None) -> bool:
    if not url:
        return False
    low = url.lower()
    if low.startswith(("http://", "https://")):
        authority = low.split("/", 3)[2]
        if not any(h in authority for h in ("localhost", "127.", "[", "@")):
            return False  # the common case, decided without parsing (new_job asks this for every job)
    return local_path(url) is not None or is_loopback(url)


def read(url: str, limit: int) -> bytes:
    """The bytes at a file:// or loopback URL (blocking; call it in a thread). Raises SourceError."""
    path = local_path(url)
    if path is not None:
        try:
            size = path.stat().st_size
            if size > limit:
                raise SourceError(f"file is {size} bytes, over the {limit}-byte limit")
            return path.read_bytes()
        except FileNotFoundError:
            raise SourceError(f"file not found: {path}") from None
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror}") from None
        except ValueError:  # a NUL byte in the path
            raise SourceError(f"not a valid file path: {str(path)!r}") from None
    import httpx  # only for loopback URLs: kept off the startup path

    try:
        with httpx.Client(timeout=10, follow_redirects=True) as client, client.stream("GET", url) as r:
            if r.status_code != 200:
                raise SourceError(f"HTTP {r.status_code} from {url}")
            body = bytearray()
            for chunk in r.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise SourceError(f"{url} is over the {limit}-byte limit")
            return bytes(body)
    except httpx.HTTPError as exc:
        raise SourceError(f"cannot fetch {url}: {exc}") from None
