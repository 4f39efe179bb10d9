"""Local conda channels of real (fake-content) packages, for the tests, the demo and the benchmark.

No network: every archive is written here, indexed here, and served as ``file://`` channels::

    from envmgr.testchannel import build_test_channels, channel_env
    channels = build_test_channels(tmp / "channels")      # {"pytorch": Path, "nvidia": ..., ...}
    os.environ.update(channel_env(tmp / "channels"))       # names now resolve to these dirs

Layout: ``<root>/<channel>/{linux-64,win-64,noarch}/`` with ``*.tar.bz2`` and ``repodata.json``,
for the channels ``pytorch``, ``nvidia``, ``conda-forge`` and ``defaults``. With
``ENVMGR_CHANNEL_ALIAS=file://<root>/`` the names ``pytorch``, ``nvidia`` and ``conda-forge`` resolve
to these directories; ``defaults`` is not an alias name (it stands for anaconda's ``pkgs/main``...),
so :func:`channel_env` also sets ``ENVMGR_DEFAULT_CHANNELS=file://<root>/defaults``.

The builder is parametric: pass ``extra`` packages (e.g. timestamped builds, a newer python) or a
whole ``packages`` list, and re-index a channel after tampering with :func:`index_channel`.
Output is byte-reproducible: same packages, same archive bytes and repodata.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable

from .archive import PREFIX_PLACEHOLDER, Package, ms, write_archive
from .catalog import default_packages
from .index import index_channel, index_channel_with_rattler
from .payloads import blob

TEST_CHANNELS = ("pytorch", "nvidia", "conda-forge", "defaults")
SUBDIRS = ("linux-64", "win-64", "noarch")


def build_channel(channel_dir: Path, packages: Iterable[Package],
                  subdirs: tuple[str, ...] = SUBDIRS) -> Path:
    """Write ``packages`` (their ``channel`` field is ignored) into ``channel_dir`` and index it."""
    channel_dir = Path(channel_dir)
    for pkg in packages:
        write_archive(pkg, channel_dir / pkg.subdir)
    index_channel(channel_dir, subdirs)
    return channel_dir


def build_test_channels(root: Path, packages: Iterable[Package] | None = None,
                        extra: Iterable[Package] = ()) -> dict[str, Path]:
    """Build the test channels under ``root``; returns channel name -> directory.

    ``packages`` replaces the default catalog (see ``catalog.py``); ``extra`` adds to it.
    Each package goes to the channel its ``channel`` field names (a new name makes a new channel).
    """
    root = Path(root)
    by_channel: dict[str, list[Package]] = defaultdict(list)
    for pkg in [*(default_packages() if packages is None else packages), *extra]:
        by_channel[pkg.channel].append(pkg)
    out = {}
    for name in [*TEST_CHANNELS, *sorted(set(by_channel) - set(TEST_CHANNELS))]:
        out[name] = build_channel(root / name, by_channel.get(name, []))
    return out


def channel_alias_for(root: Path) -> str:
    """``file:///abs/root/``: the channel alias under which the test channels are found."""
    return Path(root).resolve().as_uri().rstrip("/") + "/"


def channel_env(root: Path) -> dict[str, str]:
    """Environment variables that point envmgr's channel names at the test channels in ``root``."""
    alias = channel_alias_for(root)
    return {"ENVMGR_CHANNEL_ALIAS": alias, "ENVMGR_DEFAULT_CHANNELS": alias + "defaults"}


__all__ = ["Package", "PREFIX_PLACEHOLDER", "TEST_CHANNELS", "blob", "build_channel",
           "build_test_channels", "channel_alias_for", "channel_env", "index_channel",
           "index_channel_with_rattler", "ms", "write_archive"]
