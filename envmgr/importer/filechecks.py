"""Problems of the file as the paper shipped it, which the spec envmgr writes no longer has.

They are warnings: the spec pins the variant with the right selector and writes PyTorch's index
itself. They explain why the original file fails (or silently installs the wrong build) when
someone uses it directly with conda or pip.
"""
from __future__ import annotations

from ..knowledge.records import TorchRelease, cuda_tag
from ..models import CPU, Problem
from .outcome import FileProblem, Imported
from .torchstack import GPU, Claim

_SELECTOR_WORDS = {"cudatoolkit": "cudatoolkit=X", "pytorch-cuda": "pytorch-cuda=X",
                   "feature": "the cuda90-style feature packages (cuda80, cuda90, cuda100)"}


def file_checks(imported: Imported, release: TorchRelease | None) -> list[Problem]:
    problems: list[Problem] = []
    problems += _selector_problems(imported, release)
    problems += _cpu_risk(imported, release)
    problems += _tags_without_index(imported, release)
    problems += _installed_twice(imported)
    problems += _conflicting_cuda(imported)
    return problems


def _selector_problems(imported: Imported, release: TorchRelease | None) -> list[Problem]:
    """cudatoolkit where the release used pytorch-cuda, the reverse, features, cpuonly vs pytorch-cpu."""
    facts = imported.facts
    if release is None or release.conda is None or facts.torch_conda is None or facts.forge:
        return []
    builds, problems = release.conda, []
    cuda = imported.spec.cuda
    for claim in facts.selectors:
        used = claim.value
        if used in _SELECTOR_WORDS and used != builds.cuda_selector:
            right = _SELECTOR_WORDS[builds.cuda_selector].replace("X", cuda or "X.Y")
            problems.append(FileProblem(
                code="selector-mismatch", key="cuda", severity="warning", line=claim.line,
                message=f"`{claim.how}`: torch {release.torch} on the {builds.channel} channel selects "
                        f"its CUDA build with {right}, not {_SELECTOR_WORDS[used].replace('X', cuda or 'X.Y')}; "
                        f"as written, conda may install another build (or the CPU one) or not solve",
                fact="cudatoolkit selected the CUDA build up to torch 1.12, pytorch-cuda from 1.13 to 2.5, "
                     "feature packages for 1.0.0",
                fix="envmgr renders the right selector itself (nothing to change in the spec)"))
        cpu_used = used in ("cpuonly", "pytorch-cpu")
        if cpu_used and used != builds.cpu_selector:
            right = "the package names pytorch-cpu / torchvision-cpu" \
                if builds.cpu_selector == "pytorch-cpu" else "cpuonly"
            problems.append(FileProblem(
                code="selector-mismatch", key="cuda", severity="warning", line=claim.line,
                message=f"`{claim.how}`: torch {release.torch}'s CPU build is selected with {right}",
                fix="envmgr renders the right selector itself (nothing to change in the spec)"))
    return problems


def _cpu_risk(imported: Imported, release: TorchRelease | None) -> list[Problem]:
    """A torch with no variant pin: conda takes whatever solves, the CPU build included."""
    facts = imported.facts
    if facts.cuda:
        return []
    torch = facts.torch_claim()
    if torch is None:
        return []
    if torch.manager == "pip":
        default = release.pip.pypi_default_cuda if release and release.pip else None
        on_pypi = (f"PyPI's torch {release.torch} is the CUDA {default} build on Linux and the CPU "
                   f"build on Windows" if default else "PyPI decides which build it is")
        return [FileProblem(
            code="cpu-risk", key="cuda", severity="warning", line=torch.line,
            message=f"`{torch.how}` names no variant (no +cuXYZ tag, no PyTorch index): {on_pypi}",
            fix="cuda: \"X.Y\" in the spec pins the variant (`envmgr import --fix` pins one)")]
    return [FileProblem(
        code="cpu-risk", key="cuda", severity="warning", line=torch.line,
        message=f"`{torch.how}` has no variant pin (no cudatoolkit/pytorch-cuda, cpuonly or build "
                f"string): conda takes any build that solves and silently falls back to the CPU build "
                f"when the CUDA one does not",
        fact="a solver falls back to the CPU build when a CUDA build is missing (field notes #9)",
        fix="cuda: \"X.Y\" in the spec pins the variant (`envmgr import --fix` pins one)")]


def _tags_without_index(imported: Imported, release: TorchRelease | None) -> list[Problem]:
    facts = imported.facts
    if facts.pip_indexes:
        return []
    problems = []
    for requirement in facts.pip_family:
        if not requirement.local or requirement.text.find("://") >= 0:
            continue
        where = ""
        if release is not None and release.pip is not None and imported.spec.cuda:
            option = "-f" if release.pip.index in ("find-links", "manual") else "--extra-index-url"
            where = f" ({option} {release.pip.index_url(imported.spec.cuda)})"
        problems.append(FileProblem(
            code="pip-index-missing", key="pip", severity="warning", line=requirement.line,
            message=f"`{requirement.text}`: +{requirement.local} wheels are only on PyTorch's index"
                    f"{where}, and the file names no index: pip cannot find them on PyPI",
            fix="envmgr writes PyTorch's index line itself when torch comes from pip"))
    return problems


def _installed_twice(imported: Imported) -> list[Problem]:
    facts = imported.facts
    if facts.torch_conda is None or facts.torch_pip is None:
        return []
    conda, pip = facts.torch_conda, facts.torch_pip
    return [FileProblem(
        code="torch-twice", key="torch", severity="warning", line=pip.line,
        message=f"torch is installed twice: `{conda.text}` by conda (line {conda.line or '?'}) and "
                f"`{pip.text}` by pip (line {pip.line or '?'}); pip's copy overwrites conda's files "
                f"and the two disagree on their dependencies",
        fix=f"the spec keeps one torch: pip's {imported.spec.torch} (the one that was in effect)")]


def _conflicting_cuda(imported: Imported) -> list[Problem]:
    claims = [c for c in imported.facts.cuda if c.value != GPU]
    values = list(dict.fromkeys(c.value for c in claims))
    if len(values) < 2:
        return []
    kept = claims[0]
    others = [c for c in claims if c.value != kept.value]
    return [FileProblem(
        code="cuda-conflict", key="cuda", severity="warning", line=others[0].line,
        message=f"the file names {_label(kept)} and "
                f"{', '.join(_label(c) for c in others)}; the spec keeps {_variant(kept.value)}",
        fix="cuda: the variant you mean")]


def _variant(value: str) -> str:
    return "the CPU build" if value == CPU else f"CUDA {value} ({cuda_tag(value)})"


def _label(claim: Claim) -> str:
    words = claim.how.split(":", 1)[-1]
    return f"{_variant(claim.value)} (`{words}`{f', line {claim.line}' if claim.line else ''})"
