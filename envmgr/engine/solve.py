"""Solving with py-rattler: conda specs + channel URLs + explicit virtual packages -> records.

* Specs become ``rattler.MatchSpec`` objects (``strict=False``: real build strings such as
  ``py3.7_cuda10.2_cudnn7.6.5_0`` contain dots, which strict parsing rejects) in a canonical
  sorted order: rattler breaks ties between equal variants by request order, so the same spec
  must always reach it in the same order to give the same lock.
* One ``Gateway`` per command, never longer: a long-lived gateway keeps serving repodata it
  cached in memory even after a channel changed. A command over several specs (``lock --all``)
  shares one across them (``shared_repodata``), so each channel's repodata is read once, not
  once per spec; any other solve makes its own.
* An unsatisfiable request raises ``EnvmgrError`` with rattler's explanation and, where the cause
  is recognised, a plain hint.
"""
from __future__ import annotations

import asyncio
import re
from contextlib import contextmanager
from pathlib import Path

from ..errors import EnvmgrError
from ..host.virtual import rattler_virtual_packages


def repodata_cache_dir() -> Path:
    """Where rattler caches downloaded repodata, in envmgr's cache dir."""
    from ..paths import cache_dir

    return cache_dir("repodata")


def canonical_specs(specs: list[str]) -> list[str]:
    """Specs sorted by package name, then text; duplicates dropped."""
    def key(spec: str) -> tuple[str, str]:
        name = re.split(r"[\s=<>!~\[]", spec.strip(), maxsplit=1)[0].lower()
        return name, spec
    return sorted(set(s.strip() for s in specs if s.strip()), key=key)


def match_specs(specs: list[str]) -> list:
    from rattler import MatchSpec

    out = []
    for spec in canonical_specs(specs):
        try:
            out.append(MatchSpec(spec, strict=False))
        except Exception as exc:  # noqa: BLE001 - rattler raises its own parse errors
            raise EnvmgrError(f"invalid conda spec {spec!r}: {exc}",
                              fix="write specs like `numpy<2` or `pytorch=1.10.1=*cuda10.2*`") from None
    return out


PYTORCH_CHANNEL_NAMES = {"pytorch", "torchvision", "torchaudio", "pytorch-cuda", "cpuonly",
                         "pytorch-mutex", "cudatoolkit"}


_NO_CANDIDATES = re.compile(r"No candidates were found for ([^\s]+)( [^\n]*?)?\.?\s*$", re.M)
SHOWN_VERSIONS = 8


def missing_request(explanation: str) -> tuple[str, str] | None:
    """(name, the request as rattler printed it) when no channel has anything matching it."""
    found = _NO_CANDIDATES.search(explanation)
    if not found:
        return None
    return found.group(1).rstrip("."), (found.group(1) + (found.group(2) or "")).rstrip(".")


def shown_versions(versions: list[str]) -> str:
    """Versions (newest first) for a hint: major.minor once each when there are many."""
    if len(versions) > SHOWN_VERSIONS:
        versions = list(dict.fromkeys(".".join(v.split(".")[:2]) for v in versions))
    more = ", ..." if len(versions) > SHOWN_VERSIONS else ""
    return ", ".join(sorted(versions[:SHOWN_VERSIONS], key=_version_key)) + more


def _version_key(version: str):
    from rattler import Version

    try:
        return Version(version)
    except Exception:  # noqa: BLE001 - rattler's own parse error; such a version sorts first
        return Version("0")


def hint_for(explanation: str, cuda: str | None, available: list[str] | None = None,
             similar: list[str] | None = None) -> str | None:
    """A plain next step for the causes envmgr recognises in rattler's explanation. ``available``:
    the versions the channels have of the package nothing matched (newest first), when known;
    ``similar``: the channels' package names nearest it, when it has none at all."""
    needs_cuda = re.search(r"__cuda >=\s*([0-9.]+)", explanation)
    if needs_cuda:
        wanted = needs_cuda.group(1)
        have = f" (the lock assumes a driver for CUDA {cuda})" if cuda and cuda != "cpu" else ""
        return (f"your CUDA variant needs a driver for CUDA {wanted}{have}: choose a CUDA variant "
                f"your driver supports (`envmgr check` shows it) or a cpu stack")
    if "__cuda" in explanation and ("no candidates" in explanation or "cannot be installed" in explanation):
        return "these builds need a CUDA driver (`__cuda`); a CPU environment cannot use them: pick a cpu build"
    missing = missing_request(explanation)
    if missing:
        name, request = missing
        parts = request.split()
        version = parts[1].lstrip("=") if len(parts) == 3 else None
        if available and version in available:     # the version is there, not that build
            hint = (f"no channel has a {name} {version} build matching {parts[2]} (they have "
                    f"{name} {version}, in other builds): pick another build or CUDA variant, "
                    "or add a channel that has it to the spec's channels")
        elif available and request != name:
            hint = (f"no channel has {request} (they have: {shown_versions(available)}): pick one "
                    "of those, or add a channel that has it to the spec's channels")
        elif similar:
            hint = (f"no channel has a package named {name}; did you mean "
                    f"{' or '.join(similar)}? (else check the spec's channels)")
        else:
            hint = (f"no channel has {name}: check the spec's channels and the channel alias "
                    "(ENVMGR_CHANNEL_ALIAS / channel_alias in envmgr.yaml)")
        if name in PYTORCH_CHANNEL_NAMES:
            hint += ("; the `pytorch` channel stops at torch 2.5 and no longer has builds older "
                     "than 1.5.1 (envmgr check suggests another route)")
        return hint
    if "__glibc" in explanation:
        return "a package needs a newer glibc than the 2.17 envmgr assumes for linux-64 locks"
    return None


_shared_gateways: dict | None = None     # cache dir -> Gateway, inside shared_repodata() only


@contextmanager
def shared_repodata():
    """Every solve inside the block shares one Gateway per cache dir. Worker processes forked
    inside it share one each."""
    global _shared_gateways
    _shared_gateways = {}
    try:
        yield
    finally:
        _shared_gateways = None


def _gateway(cache_dir: Path):
    from rattler import Gateway

    if _shared_gateways is None:
        return Gateway(cache_dir=cache_dir)
    if str(cache_dir) not in _shared_gateways:
        _shared_gateways[str(cache_dir)] = Gateway(cache_dir=cache_dir)
    return _shared_gateways[str(cache_dir)]


async def _solve_all(channels: list[str], specs: list, plan: dict[str, list], cache_dir: Path,
                     exclude_newer=None):
    from rattler import solve

    from ..knowledge.asof import TIMESTAMP_POLICY

    gateway = _gateway(cache_dir)
    # as_of: only passed when set, so a lock without a cutoff solves exactly as before
    dated = {"exclude_newer": exclude_newer, "timestamp_policy": TIMESTAMP_POLICY} if exclude_newer else {}

    async def one(platform: str, virtual: list):
        return platform, await solve(sources=channels, specs=specs, gateway=gateway,
                                     platforms=[platform, "noarch"], virtual_packages=virtual, **dated)

    return dict(await asyncio.gather(*(one(p, v) for p, v in plan.items())))


def solve_platforms(channels: list[str], specs: list[str], platforms: list[str], cuda: str | None,
                    *, what: str = "", file: str | Path | None = None,
                    exclude_newer=None, as_of_facts: dict | None = None,
                    workspace=None) -> dict[str, list]:
    """platform -> solved ``RepoDataRecord`` list. ``what`` names the environment in errors.
    ``exclude_newer``: an aware datetime; packages uploaded after it are left out (``as_of``);
    ``as_of_facts``: how that cutoff was asked for (the lock's facts), for the hint;
    ``workspace``: whose settings made the channel URLs, for an unreadable channel's fix."""
    from rattler.exceptions import SolverError

    plan = {p: rattler_virtual_packages(p, cuda) for p in platforms}
    requested = match_specs(specs)
    try:
        return asyncio.run(_solve_all(channels, requested, plan, repodata_cache_dir(), exclude_newer))
    except SolverError as exc:
        explanation = str(exc).strip()
        label = f" {what}" if what else ""
        fix = None
        if exclude_newer is not None:
            from ..knowledge.asof import KEY_ORIGIN, KEY_RULE, unsat_hint

            facts = as_of_facts or {}
            fix = unsat_hint(explanation, exclude_newer, facts.get(KEY_RULE), facts.get(KEY_ORIGIN),
                             torch=facts.get("torch"))
        if fix is None:
            missing = missing_request(explanation)
            available = (versions_of(missing[0], channels, platforms, repodata_cache_dir())
                         if missing else None)
            similar = (similar_names(missing[0], channels, platforms, repodata_cache_dir())
                       if missing and not available else None)
            fix = hint_for(explanation, cuda, available, similar)
        raise EnvmgrError(f"cannot solve{label} for {', '.join(platforms)}:\n{explanation}\n",
                          file=file, fix=fix) from None
    except rattler_errors() as exc:   # fetch / parse / unsupported-scheme errors of a channel
        raise channel_error(exc, channels, file, platforms=platforms, workspace=workspace) from None


def versions_of(name: str, channels: list[str], platforms: list[str], cache_dir: Path) -> list[str]:
    """Versions of ``name`` the channels have for ``platforms`` (newest first), for a hint after a
    failed solve (the repodata is cached by then); [] when the query fails."""
    from rattler import Gateway

    async def query():
        return await Gateway(cache_dir=cache_dir).query(channels, [*platforms, "noarch"], [name],
                                                        recursive=False)
    try:
        found = asyncio.run(query())
    except Exception:  # noqa: BLE001 - only a hint: the solver's own error is what gets raised
        return []
    versions = {str(record.version) for records in found for record in records}
    return sorted(versions, key=_version_key, reverse=True)


def similar_names(name: str, channels: list[str], platforms: list[str], cache_dir: Path,
                  count: int = 2) -> list[str]:
    """The channels' package names nearest ``name`` (``scipyy`` -> ``scipy``), from the repodata
    the failed solve just fetched; [] when there is none near or the query fails."""
    import difflib

    from rattler import Gateway

    async def query():
        return await Gateway(cache_dir=cache_dir).names(channels, [*platforms, "noarch"])
    try:
        names = {str(getattr(n, "normalized", n)) for n in asyncio.run(query())}
    except Exception:  # noqa: BLE001 - only a hint: the solver's own error is what gets raised
        return []
    return difflib.get_close_matches(name.lower(), sorted(names), n=count, cutoff=0.75)


def rattler_errors() -> tuple[type[Exception], ...]:
    """Every exception class py-rattler raises. They live in its native extension and report
    ``__module__ == "exceptions"``, so only the classes themselves identify them reliably."""
    import rattler.exceptions as module

    return tuple(value for value in vars(module).values()
                 if isinstance(value, type) and issubclass(value, Exception)
                 and not issubclass(value, Warning))


def one_line(exc: BaseException) -> str:
    """rattler's chained message ("failed to fetch X / Caused by: ... / Caused by: root") in one line."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    causes = [line.removeprefix("Caused by:").strip() for line in lines[1:]
              if line.startswith("Caused by:")]
    return lines[0] + (f": {causes[-1]}" if causes else "")


CHANNEL_FIX = ("check the channel URL: ENVMGR_CHANNEL_ALIAS / channel_alias and ENVMGR_DEFAULT_CHANNELS / "
               "default_channels in envmgr.yaml, or the spec's channels")
NETWORK_FIX = ("check the network (and any proxy), or point ENVMGR_CHANNEL_ALIAS / channel_alias in "
               "envmgr.yaml at a reachable mirror")


def channel_error(exc: BaseException, channels: list[str], file=None,
                  platforms: list[str] | None = None, workspace=None) -> EnvmgrError:
    """One line naming the channels that failed: those rattler's message names, else (an
    unsupported scheme, say) those that fail when read one by one, else all of them; and the
    setting they come from (``defaults`` -> default_channels, names -> channel_alias), with
    an environment variable that overrides envmgr.yaml named as such."""
    from .channels import failing_channel_settings

    message = one_line(exc)
    failing = [url for url in channels if url.rstrip("/") in message]
    if not failing and len(channels) > 1 and platforms:
        failing = failing_channels(channels, platforms, repodata_cache_dir())
    failing = failing or channels
    label = "channel" if len(failing) == 1 else "channels"
    network = any(word in message.lower() for word in
                  ("error sending request", "dns", "connect", "timed out", "tls", "certificate"))
    settings = failing_channel_settings(failing, workspace)
    if settings is not None:
        where, fix = settings
        fix = f"check the network (and any proxy), or {fix}" if network else fix
        return EnvmgrError(f"cannot read the {label} {', '.join(failing)}: {message}; {where}",
                           file=file, fix=fix)
    return EnvmgrError(f"cannot read the {label} {', '.join(failing)}: {message}", file=file,
                       fix=NETWORK_FIX if network else CHANNEL_FIX)


def failing_channels(channels: list[str], platforms: list[str], cache_dir: Path) -> list[str]:
    """The channels that cannot be read on their own (after a failed solve, so the good ones'
    repodata is cached); [] when that cannot be told."""
    from rattler import Gateway

    async def fails(url: str) -> bool:
        try:
            await Gateway(cache_dir=cache_dir).query([url], [*platforms, "noarch"], ["python"],
                                                     recursive=False)
        except Exception:  # noqa: BLE001 - any error reading it is what is being asked
            return True
        return False

    async def each():
        return await asyncio.gather(*(fails(url) for url in channels))
    try:
        return [url for url, failed in zip(channels, asyncio.run(each())) if failed]
    except Exception:  # noqa: BLE001 - only narrows the message; the caller names every channel
        return []
