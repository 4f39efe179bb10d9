"""fetch: one GET (optionally a byte range) from an http(s) URL, a file: URL or a local path.

Every failure becomes one EnvmgrError naming the URL, so a refresh never ends in a traceback.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from ...errors import EnvmgrError

USER_AGENT = "envmgr-knowledge-refresh"
TIMEOUT_S = 60


class FetchError(EnvmgrError):
    pass


def is_remote(location: str) -> bool:
    return urlparse(location).scheme in ("http", "https")


def local_path(location: str) -> Path:
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return Path(url2pathname(parsed.path))
    return Path(location)


def get(url: str, *, accept: str | None = None, byte_range: str | None = None,
        not_found_ok: bool = False) -> bytes | None:
    """The body of ``url``; ``byte_range`` is an HTTP range ("bytes=-65536", "bytes=10-99").

    Returns None for a 404 when ``not_found_ok``. A server that ignores the range (200 instead of
    206) is answered by slicing the full body, so the caller always gets the bytes it asked for.
    """
    if not is_remote(url):
        path = local_path(url)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if not_found_ok:
                return None
            raise FetchError(f"{path}: no such file", fix="check the path or URL given") from None
        except OSError as exc:
            raise FetchError(f"{path}: {exc.strerror or exc}", fix="check the path or URL given") from None
        return _slice(data, byte_range) if byte_range else data
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    if byte_range:
        headers["Range"] = byte_range
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            data = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        if exc.code == 404 and not_found_ok:
            return None
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}",
                         fix="check the index URL (--pypi / --wheel-index / --repodata)") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"{url}: cannot be read ({reason})",
                         fix="check the URL and the network, or give a mirror") from None
    if byte_range and status == 200:
        data = _slice(data, byte_range)
    return data


def _slice(data: bytes, byte_range: str) -> bytes:
    spec = byte_range.split("=", 1)[1]
    first, _, last = spec.partition("-")
    if not first:
        return data[-int(last):]
    return data[int(first): int(last) + 1 if last else None]
