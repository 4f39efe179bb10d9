"""Recognise the torch stack in conda and pip requirements, in every style seen in the wild.

The facts gathered here are claims, each with the line that made it: "torch >=1.7 (pip, line
9)", "CUDA 10.1 from cudatoolkit=10.1.243 (line 6)". ``resolve`` turns them into spec fields;
``diagnose`` judges the file by them. The styles:

- conda, pytorch channel: ``pytorch=1.7.1`` + ``cudatoolkit=10.1`` (to 1.12), ``pytorch-cuda=11.8``
  (1.13 to 2.5), ``cpuonly``; ``pytorch::pytorch``; 2018's ``cuda90`` feature packages and
  ``pytorch-cpu``/``torchvision-cpu`` names; build strings ``py3.9_cuda11.3_cudnn8.2.0_0``.
- conda-forge: ``pytorch-gpu``/``pytorch-cpu`` metapackages, ``cuda-version=12.1``, builds
  ``cuda112py39h...`` / ``cuda120_py311h...`` / ``cpu_mkl_py310h...``.
- pip: ``torch==1.7.1+cu101`` with ``-f``/``--extra-index-url``/``--index-url`` lines, an index
  URL naming the variant (``/whl/cu113``), wheel URLs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import CPU
from .sourcefile import Line, Source
from .specs import CondaSpec, PipRequirement, exact_version, lowest_version, parse_conda, parse_pip

TORCH_CONDA = {"pytorch", "pytorch-cpu", "pytorch-gpu", "torch"}
VISION_CONDA = {"torchvision", "torchvision-cpu"}
FEATURE = re.compile(r"cuda(\d)(\d)|cuda(\d\d)(\d)")          # cuda90, cuda92, cuda100
BUILD_STRING = re.compile(r"[A-Za-z0-9_.*+]+")   # what conda accepts in a build string
PYTORCH_INDEX = re.compile(r"download\.pytorch\.org", re.IGNORECASE)
GPU = "gpu"     # a CUDA build is asked for, without saying which CUDA


@dataclass
class Claim:
    """One fact the file states, and where: used for messages and ``file:line``."""

    value: str
    how: str                     # the words that said it, e.g. "cudatoolkit=10.1"
    line: int | None = None
    manager: str = "conda"       # "conda" or "pip"


@dataclass
class StackFacts:
    torch_conda: CondaSpec | None = None        # the conda torch line (pytorch, pytorch-gpu, ...)
    torch_pip: PipRequirement | None = None
    vision: Claim | None = None                  # value: a constraint
    audio: Claim | None = None
    python: Claim | None = None                  # value: a constraint
    build_python: Claim | None = None            # py3.9 from a build string
    cuda: list[Claim] = field(default_factory=list)      # value: "10.1", "cpu" or "gpu"
    selectors: list[Claim] = field(default_factory=list)  # value: the selector kind
    forge: list[Claim] = field(default_factory=list)      # what says "conda-forge build"
    pip_indexes: list[PipRequirement] = field(default_factory=list)   # PyTorch's index lines
    conda_family: list[CondaSpec] = field(default_factory=list)       # every family conda line
    pip_family: list[PipRequirement] = field(default_factory=list)
    other_conda: list[CondaSpec] = field(default_factory=list)
    other_pip: list[PipRequirement] = field(default_factory=list)
    unreadable: list[Line] = field(default_factory=list)
    bare_pip: bool = False                       # `pip` itself among conda dependencies
    torch: Claim | None = None                   # the torch pin in effect (see ``_primary``)
    pins: list[tuple[str, Claim]] = field(default_factory=list)   # every torch/torchvision/
    # torchaudio/python line, in file order: ``pins.settle`` combines or reports repeats
    unreadable_pins: list[tuple[str, Claim]] = field(default_factory=list)  # ("cuda", claim), ...
    unused_builds: list[CondaSpec] = field(default_factory=list)  # stack builds that said nothing

    @property
    def has_torch(self) -> bool:
        return bool(self.torch_conda or self.torch_pip or self.vision or self.audio)

    def torch_constraint(self) -> str | None:
        """What the file asks of torch; pip's wins, as pip installs over conda's."""
        return self.torch.value or None if self.torch is not None else None

    def torch_claim(self) -> Claim | None:
        if self.torch is not None and self.torch.value:
            return self.torch
        if self.torch_pip is not None:
            return Claim(self.torch_pip.specifier, self.torch_pip.text, self.torch_pip.line, "pip")
        if self.torch_conda is not None:
            return Claim(self.torch_conda.version or "", self.torch_conda.text, self.torch_conda.line)
        return None

    def cuda_claim(self) -> Claim | None:
        """The variant: torch's own build or tag first, then selector packages, then indexes."""
        return self.cuda[0] if self.cuda else None


def recognise(source: Source) -> StackFacts:
    facts = StackFacts()
    for line in source.conda:
        spec = parse_conda(line.text, line.line)
        if spec is None:
            facts.unreadable.append(line)
        else:
            _conda_item(facts, spec)
    for line in source.pip:
        _pip_item(facts, parse_pip(line.text, line.line))
    _order_cuda_claims(facts)
    facts.torch = _primary(facts, "torch")
    facts.vision = _primary(facts, "torchvision")
    facts.audio = _primary(facts, "torchaudio")
    facts.python = _primary(facts, "python")
    return facts


def _primary(facts: StackFacts, key: str) -> Claim | None:
    """The pin in effect: pip's over conda's (pip installs over conda's copy), but only a pin
    with a version, as a bare ``torch`` for pip is satisfied by conda's; the first line of each."""
    claims = [claim for k, claim in facts.pins if k == key]
    for manager in ("pip", "conda"):
        pinned = [c for c in claims if c.manager == manager and c.value]
        if pinned:
            return pinned[0]
    return claims[0] if claims else None


def _pin(facts: StackFacts, key: str, value: str | None, text: str, line: int | None,
         manager: str = "conda", unreadable: str | None = None) -> None:
    """Record one pin; a version envmgr cannot read becomes no pin, reported with its line."""
    value = value or ""
    if unreadable or (value and lowest_version(value) is None):
        facts.unreadable_pins.append((key, Claim(value, text, line, manager)))
        value = ""
    facts.pins.append((key, Claim(value, text, line, manager)))


_CUDA_RANK = {"build": 0, "tag": 0, "selector": 1, "index": 2, "metapackage": 3}


def _order_cuda_claims(facts: StackFacts) -> None:
    facts.cuda.sort(key=lambda c: _CUDA_RANK.get(c.how.split(":", 1)[0], 9))


def _conda_item(facts: StackFacts, spec: CondaSpec) -> None:
    name = spec.name
    if spec.channel == "conda-forge" and name in TORCH_CONDA | VISION_CONDA | {"torchaudio"}:
        facts.forge.append(Claim("conda-forge", spec.text, spec.line))
    if spec.build and not BUILD_STRING.fullmatch(spec.build):
        if name in TORCH_CONDA | VISION_CONDA | {"torchaudio"}:
            facts.unreadable_pins.append(("build", Claim(spec.build, spec.text, spec.line)))
            spec.build = None
    if name in TORCH_CONDA:
        facts.conda_family.append(spec)
        facts.torch_conda = facts.torch_conda or spec
        _pin(facts, "torch", spec.version, spec.text, spec.line)
        if name == "pytorch-cpu":
            facts.cuda.append(Claim(CPU, f"selector:{spec.text}", spec.line))
            facts.selectors.append(Claim("pytorch-cpu", spec.text, spec.line))
        if name == "pytorch-gpu":
            facts.cuda.append(Claim(GPU, f"metapackage:{spec.text}", spec.line))
            facts.forge.append(Claim("conda-forge", spec.text, spec.line))
        if spec.build and not _from_build(facts, spec):
            facts.unused_builds.append(spec)
    elif name in VISION_CONDA:
        facts.conda_family.append(spec)
        _pin(facts, "torchvision", spec.version, spec.text, spec.line)
        if name == "torchvision-cpu":
            facts.cuda.append(Claim(CPU, f"selector:{spec.text}", spec.line))
    elif name == "torchaudio":
        facts.conda_family.append(spec)
        _pin(facts, "torchaudio", spec.version, spec.text, spec.line)
    elif name == "python":
        _pin(facts, "python", spec.version, spec.text, spec.line)
    elif name in ("cudatoolkit", "pytorch-cuda", "cuda-version"):
        facts.conda_family.append(spec)
        cuda = _major_minor(spec.version)
        if cuda:
            facts.cuda.append(Claim(cuda, f"selector:{spec.text}", spec.line))
        elif spec.version:
            facts.unreadable_pins.append(("cuda", Claim(spec.version, spec.text, spec.line)))
        else:       # a bare cudatoolkit still asks for a CUDA build
            facts.cuda.append(Claim(GPU, f"selector:{spec.text}", spec.line))
        facts.selectors.append(Claim(name, spec.text, spec.line))
        if name == "cuda-version":
            facts.forge.append(Claim("conda-forge", spec.text, spec.line))
    elif name == "cpuonly":
        facts.conda_family.append(spec)
        facts.cuda.append(Claim(CPU, f"selector:{spec.text}", spec.line))
        facts.selectors.append(Claim("cpuonly", spec.text, spec.line))
    elif FEATURE.fullmatch(name):
        facts.conda_family.append(spec)
        facts.cuda.append(Claim(_feature_cuda(name), f"selector:{spec.text}", spec.line))
        facts.selectors.append(Claim("feature", spec.text, spec.line))
    elif name == "pytorch-mutex" and spec.build in ("cpu", "cuda"):
        facts.conda_family.append(spec)
        facts.cuda.append(Claim(CPU if spec.build == "cpu" else GPU, f"metapackage:{spec.text}", spec.line))
    elif name == "pip" and not spec.version:
        facts.bare_pip = True
    else:
        facts.other_conda.append(spec)
    in_family = facts.conda_family and facts.conda_family[-1] is spec
    if in_family and spec.build and name not in TORCH_CONDA and name != "pytorch-mutex":
        facts.unused_builds.append(spec)


def _from_build(facts: StackFacts, spec: CondaSpec) -> bool:
    """py3.9_cuda11.3_cudnn8.2.0_0 (pytorch channel), cuda112py39h..., cpu_mkl_py310h... (conda-forge).

    Whether the build string said anything envmgr uses."""
    build = spec.build.lower()
    before = (len(facts.cuda), len(facts.forge), facts.build_python)
    dotted = re.search(r"cuda(\d+)\.(\d+)", build)
    compact = re.search(r"(?:^|_)cuda(\d{2,3})(?=[_a-z]|$)", build)
    if dotted:
        facts.cuda.append(Claim(f"{int(dotted[1])}.{dotted[2]}", f"build:{spec.text}", spec.line))
    elif compact:
        digits = compact[1]
        facts.cuda.append(Claim(f"{int(digits[:-1])}.{digits[-1]}", f"build:{spec.text}", spec.line))
    elif re.search(r"(?:^|_)cpu(?:_|$)", build):
        facts.cuda.append(Claim(CPU, f"build:{spec.text}", spec.line))
    elif "cuda" in build:
        facts.cuda.append(Claim(GPU, f"build:{spec.text}", spec.line))
    python = re.search(r"py(\d)\.(\d+)", build) or re.search(r"py(\d)(\d{1,2})(?![\d.])", build)
    if python:
        facts.build_python = Claim(f"{python[1]}.{python[2]}", spec.text, spec.line)
    if re.match(r"(cuda\d{2,3}|cpu)_?(mkl|generic|py\d)", build):
        facts.forge.append(Claim("conda-forge", spec.text, spec.line))
    return (len(facts.cuda), len(facts.forge), facts.build_python) != before


def _pip_item(facts: StackFacts, requirement: PipRequirement) -> None:
    if requirement.option in ("--find-links", "--extra-index-url", "--index-url") and \
            requirement.value and PYTORCH_INDEX.search(requirement.value):
        facts.pip_indexes.append(requirement)
        tag = re.search(r"/whl/(?:nightly/)?(cu\d{2,3}|cpu)(?:/|$)", requirement.value)
        if tag:
            facts.cuda.append(Claim(_tag_cuda(tag[1]), f"index:{requirement.text}", requirement.line, "pip"))
        return
    name = requirement.name
    if name in ("torch", "torchvision", "torchaudio"):
        facts.pip_family.append(requirement)
        if requirement.local:
            cuda = _tag_cuda(requirement.local)
            if cuda:
                facts.cuda.append(Claim(cuda, f"tag:{requirement.text}", requirement.line, "pip"))
        if name == "torch":
            facts.torch_pip = facts.torch_pip or requirement
        _pin(facts, name, requirement.specifier, requirement.text, requirement.line, "pip",
             unreadable=requirement.error)
        return
    facts.other_pip.append(requirement)


def _tag_cuda(tag: str) -> str | None:
    if tag == "cpu":
        return CPU
    match = re.fullmatch(r"cu(\d{2,3})", tag)
    return f"{int(match[1][:-1])}.{match[1][-1]}" if match else None


def _feature_cuda(name: str) -> str:
    digits = name[4:]
    return f"{int(digits[:-1])}.{digits[-1]}"


def _major_minor(constraint: str | None) -> str | None:
    version = exact_version(constraint) or lowest_version(constraint)
    if not version:
        return None
    parts = version.split(".")
    return f"{parts[0]}.{parts[1]}" if len(parts) > 1 else None
