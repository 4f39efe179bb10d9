"""A torch version the knowledge base does not list: say whether it was ever released, and name
the nearest releases that were (``torch 1.100`` is the 1.10 typo, not "2.0.0", however near the
two are as numbers)."""
from __future__ import annotations

import difflib

from packaging.version import InvalidVersion

from ..knowledge.facts import KnowledgeBase
from ..knowledge.records import parsed_version
from ..models import Problem


def unknown_torch(kb: KnowledgeBase, torch: str) -> Problem:
    releases = kb.releases
    newest = releases[-1]
    fact = "torch releases are listed in envmgr's knowledge base (envmgr matrix shows them)"
    problem = Problem(code="unknown-torch", key="torch", fact=fact, source=kb.cite(["prev-versions"]),
                      message=f"torch {torch} is not a release envmgr knows "
                              f"(known: {releases[0].torch} to {newest.torch})")
    try:
        wanted = parsed_version(torch)
    except InvalidVersion:
        return problem
    if wanted > newest.version:
        problem.message = (f"torch {torch} is newer than envmgr's knowledge base, which ends at "
                           f"torch {newest.torch}")
        problem.fix = f'torch: "{newest.torch}"'
        return problem
    same_minor = [r.torch for r in releases if (r.version.major, r.version.minor) ==
                  (wanted.major, wanted.minor)]
    if same_minor:
        problem.message = (f"torch {torch} was never released: the {wanted.major}.{wanted.minor} "
                           f"releases are {', '.join(same_minor)}")
        problem.fix = f'torch: "{same_minor[-1]}"'
        return problem
    near = nearest_releases(kb, torch)
    problem.message = (f"torch {torch} was never released; the nearest releases are "
                       f"{', '.join(near)}")
    problem.fix = f'torch: "{near[0]}"' if near else None
    return problem


def nearest_releases(kb: KnowledgeBase, torch: str, count: int = 3) -> list[str]:
    """The newest patch of the minors nearest ``torch``: a typo's minor first (1.100 -> 1.10),
    then the nearest minors of the same major, then the start of the next major."""
    newest_of: dict[str, str] = {}
    for release in kb.releases:
        newest_of[release.minor] = release.torch
    wanted = parsed_version(torch)
    same_major = [m for m in newest_of if parsed_version(m).major == wanted.major]
    typo = difflib.get_close_matches(torch, same_major, n=1, cutoff=0.75)
    by_distance = sorted(same_major, key=lambda m: (abs(parsed_version(m).minor - wanted.minor),
                                                    -parsed_version(m).minor))
    later = [m for m in newest_of if parsed_version(m).major > wanted.major][:1]
    earlier = [m for m in newest_of if parsed_version(m).major < wanted.major][-1:]
    minors = list(dict.fromkeys([*typo, *by_distance[:1], *later, *earlier]))
    return [newest_of[m] for m in minors[:count]]
