"""``as_of``: lock with the dependencies of a paper's era.

A spec's ``as_of: 2021-12-01`` (or ``envmgr lock --as-of DATE``) makes the conda solve ignore every
package uploaded after that date (rattler's ``exclude_newer``), so the transitive dependencies
(numpy, mkl, pillow...) are those a user could have installed then. ``as_of: release`` means the
torch release's date (``released`` in ``envmgr/knowledge/data/torch.yaml``) plus :data:`RELEASE_MARGIN_DAYS`.

Decisions (README "as_of" tells users the same):

* The cutoff is the *start* of the day, 00:00 UTC: "as of 2021-12-01" is what existed when that day
  began. rattler includes records stamped exactly at the cutoff; its error messages print the
  same moment ("cutoff date of 2021-12-01 00:00:00"), so what the user reads matches.
* Which cutoff applies (one rule for ``lock``, ``lock --check``, ``list`` and ``create``):
  ``--as-of`` on the command line, else the spec's ``as_of``, else the cutoff an earlier
  ``--as-of`` recorded in the lockfile. So a lock made with ``--as-of`` stays fresh and keeps its
  era through ``lock --update`` and ``create``; ``--as-of none`` drops it. A spec that says
  ``as_of`` always wins over a recorded command-line cutoff (the spec is the source of truth).
  A lock whose recorded cutoff differs from the one that applies is stale.
* Records without a timestamp (conda-build wrote none before ~2017; a few old channels still
  serve such records) are kept: see :data:`TIMESTAMP_POLICY`.

Nothing here imports rattler or conda-lock: ``envmgr list`` uses it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import EnvmgrError, UsageError

# ``as_of: release`` = release date + this margin. 30 days covers what a paper's authors could
# install in the weeks after a torch release: the ecosystem's patch releases and rebuilds against
# the new torch (torchvision/torchaudio fixes, conda-forge migrations, numpy/pillow patch
# releases) land within a few weeks, and authors rarely set up their environment on release day.
# It stays short of the next torch minor (about 3 months apart since 1.x), so the solve keeps the
# era's stack rather than the next one's dependencies.
RELEASE_MARGIN_DAYS = 30

# rattler's policy for records that carry no timestamp when ``exclude_newer`` is set.
# "allow-missing" keeps them: in real channels such records are the oldest ones (built before
# conda-build recorded ``timestamp``), i.e. older than any torch release envmgr knows; rejecting
# them ("require-timestamp", rattler's default) would make old stacks unsolvable for no reason.
# Records with an ``indexed_timestamp`` are judged by it first (rattler's precedence), which on a
# real channel is the upload time.
TIMESTAMP_POLICY = "allow-missing"

RELEASE = "release"
NONE = "none"           # ``--as-of none``: no cutoff, even if the lock recorded one
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# custom_metadata keys in the lockfile (str -> str, as conda-lock requires)
KEY_DATE = "as_of"              # the effective cutoff date, YYYY-MM-DD (the pip layer reads it too)
KEY_RULE = "as_of_rule"         # how it was reached: "2021-12-01" or "release: torch 1.10.1 ..."
KEY_ORIGIN = "as_of_origin"     # "spec" or "--as-of"

SPEC, COMMAND_LINE = "spec", "--as-of"


@dataclass(frozen=True)
class Cutoff:
    """The date a lock is solved as of."""

    date: str          # YYYY-MM-DD; packages uploaded after its 00:00 UTC are excluded
    rule: str          # "2021-12-01", or "release: torch 1.10.1 released 2021-12-15 + 30 days"
    origin: str        # SPEC or COMMAND_LINE

    def facts(self) -> dict[str, str]:
        """What the lockfile records (``metadata.custom_metadata``)."""
        return {KEY_DATE: self.date, KEY_RULE: self.rule, KEY_ORIGIN: self.origin}


def moment_of(date: str) -> dt.datetime:
    """A cutoff date as rattler's ``exclude_newer`` wants it: that day's 00:00 UTC."""
    return dt.datetime.combine(dt.date.fromisoformat(date), dt.time(0, 0), tzinfo=dt.timezone.utc)


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def check_request(text: str, *, file=None, line=None, flag: bool = False) -> str:
    """``text`` if it is a valid as_of request ("YYYY-MM-DD" not in the future, or "release").

    ``flag``: it came from ``--as-of`` (a usage error, and ``none`` is allowed)."""
    text = str(text).strip()
    where = {"file": file, "line": line}
    if text == RELEASE or (flag and text == NONE):
        return text
    error = UsageError if flag else EnvmgrError
    source = "--as-of" if flag else "`as_of`"
    date = None
    if _DATE.fullmatch(text):
        try:
            date = dt.date.fromisoformat(text)
        except ValueError:
            pass
    if date is None:
        extra = ", `release` or `none`" if flag else " or `release`"
        raise error(f"{source}: {text!r} is not a date YYYY-MM-DD{extra}",
                    fix="write a date like 2021-06-30", **where)
    if date > today():
        raise error(f"{source}: {text} is in the future (today is {today().isoformat()} UTC); a "
                    "future cutoff would let the lock change as packages are published",
                    fix="use a past date, or `release` for the torch release date", **where)
    return text


def release_cutoff(torch: str, *, file=None, line=None) -> tuple[str, str]:
    """(date, rule) for ``as_of: release`` with ``torch``: its release date + the margin."""
    from .facts import load

    release = load().release(torch)
    released = getattr(release, "released", None) if release else None
    if not released:
        raise EnvmgrError(f"`as_of: release`: the knowledge base has no release date for torch {torch}",
                          fix="give a date instead, e.g. as_of: \"2021-06-30\"", file=file, line=line)
    cutoff = dt.date.fromisoformat(str(released)) + dt.timedelta(days=RELEASE_MARGIN_DAYS)
    rule = f"release: torch {torch} released {released} + {RELEASE_MARGIN_DAYS} days"
    if cutoff > today():
        # allowed (the release is real), but until that day a re-lock can still pick up new uploads
        rule += " (not reached yet: a re-lock before then can pick up newer packages)"
    return cutoff.isoformat(), rule


def cutoff_for(request: str | None, torch: str, origin: str, *, file=None, line=None) -> Cutoff | None:
    """The cutoff a request (a date, "release", "none" or None) means for a stack with ``torch``."""
    if not request or request == NONE:
        return None
    request = check_request(request, file=file, line=line, flag=origin == COMMAND_LINE)
    if request == RELEASE:
        date, rule = release_cutoff(torch, file=file, line=line)
        return Cutoff(date=date, rule=rule, origin=origin)
    return Cutoff(date=request, rule=request, origin=origin)


def effective(spec, torch: str, *, cli: str | None = None, recorded: dict | None = None,
              spec_file=None) -> Cutoff | None:
    """The cutoff that applies: ``cli``, else the spec's ``as_of``, else one an earlier
    ``--as-of`` recorded in the lockfile (``recorded``: its custom_metadata)."""
    if cli:
        return cutoff_for(cli, torch, COMMAND_LINE)
    if spec.as_of:
        return cutoff_for(spec.as_of, torch, SPEC, file=spec_file, line=spec.line_of("as_of"))
    recorded = recorded or {}
    if recorded.get(KEY_ORIGIN) == COMMAND_LINE and recorded.get(KEY_DATE):
        return Cutoff(date=str(recorded[KEY_DATE]), rule=str(recorded.get(KEY_RULE) or recorded[KEY_DATE]),
                      origin=COMMAND_LINE)
    return None


def staleness(recorded: dict, expected: dict) -> str | None:
    """Why a lock whose custom_metadata is ``recorded`` is stale when a fresh one would record
    ``expected`` (both may lack the as_of keys); None when the cutoff dates agree."""
    was, now = recorded.get(KEY_DATE), expected.get(KEY_DATE)
    if was == now:
        return None
    if not now:
        return f"it was locked as of {was}; no as_of applies now"
    rule = expected.get(KEY_RULE)
    how = f" ({rule})" if rule and rule != now else ""
    if not was:
        return f"as_of {now}{how} applies; it was locked without a cutoff"
    return f"the as_of cutoff changed: locked as of {was}, now {now}{how}"


def note(date: str | None, rule: str | None = None) -> str | None:
    """One line for ``envmgr lock``'s output about the cutoff it solved with."""
    if not date:
        return None
    via = f" ({rule})" if rule and rule != date else ""
    return f"solved as of {date}{via}: packages uploaded after {date} 00:00 UTC are left out"


UNSAT_MARK = "uploaded after the cutoff date"
_EXCLUDED = re.compile(r"([A-Za-z0-9_.\-]+) [^\s,]+ is excluded because the package is " + UNSAT_MARK)


LATER_BY_DAYS = 90     # the later date a too-early cutoff's hint suggests: about one torch minor on


def unsat_hint(explanation: str, cutoff: dt.datetime, rule: str | None = None,
               origin: str | None = None, torch: str | None = None) -> str | None:
    """A plain next step when the cutoff is what made a solve impossible. ``rule`` and ``origin``
    (the lock's as_of facts) say what was asked: a date suggests a later one or ``release``; a
    ``release`` cutoff suggests a later explicit date (``release`` is what was just tried). A
    cutoff before ``torch``'s own release says so: no later date near it can help."""
    if UNSAT_MARK not in explanation:
        return None
    names = sorted(set(_EXCLUDED.findall(explanation)))
    what = (f"{', '.join(names)} {'was' if len(names) == 1 else 'were'}" if names
            else "packages this lock needs were")
    date = cutoff.date().isoformat()
    release = "`--as-of release`" if origin == COMMAND_LINE else "`as_of: release`"
    released = _released(torch)
    if released is not None and cutoff.date() < released:
        return (f"the as_of cutoff {date} is before torch {torch} itself ({what} uploaded after "
                f"it): torch {torch} was released on {released.isoformat()}; use a date after it, "
                f"e.g. {_suggested(released, origin)}, or {release} (the release date + "
                f"{RELEASE_MARGIN_DAYS} days)")
    where = _suggested(cutoff.date(), origin)
    if rule and rule.startswith(RELEASE):
        return (f"the as_of cutoff {date} ({rule}) is too early: {what} uploaded after it; "
                f"give a later date instead, e.g. {where}")
    return (f"the as_of cutoff {date} is too early: {what} uploaded after it; use a later "
            f"`as_of:` date, e.g. {where}, or {release} for the torch release date + "
            f"{RELEASE_MARGIN_DAYS} days")


def _suggested(after: dt.date, origin: str | None) -> str:
    """A later date to try (``after`` + about one torch minor, never past today), said the way
    the cutoff was asked for first."""
    later = min(after + dt.timedelta(days=LATER_BY_DAYS), today()).isoformat()
    flag, key = f"`envmgr lock --as-of {later}`", f'`as_of: "{later}"` in the spec'
    return f"{flag} (or {key})" if origin == COMMAND_LINE else f"{key} (or {flag})"


def _released(torch: str | None) -> dt.date | None:
    """torch ``torch``'s release date from the knowledge base; None when unknown."""
    if not torch:
        return None
    from .facts import load

    release = load().release(torch)
    try:
        return dt.date.fromisoformat(str(getattr(release, "released", None)))
    except ValueError:
        return None

