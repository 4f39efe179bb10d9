"""Oracle test: what envmgr renders, against the install commands PyTorch documents.

The oracle is tests/fixtures/previous_versions/commands.yaml, extracted by
tools/extract_previous_versions.py from a verbatim copy of PyTorch's "previous versions" page
(pytorch/pytorch.github.io @ e3f009bb, torch 1.0.0 to 2.3.1) and stored excerpts of its newer
sections. It is independent of envmgr/knowledge/data: a wrong row in the knowledge base shows up here.

For every (release, variant) the page documents for Linux, envmgr's real path runs in-process
(`envmgr new`, `check --json`, `render --stdout` through click's CliRunner in a scratch
workspace) and the rendered environment file is compared with the documented command:
  * conda variants: route `pytorch`; same pytorch/torchvision/torchaudio pins, same CUDA selector,
    the command's channels in the same order (envmgr may add `defaults` last), and the variant
    pinned on pytorch by a build-string glob;
  * pip-only variants (documented for pip but not conda): route `pip`; torch/torchvision/torchaudio
    at the page's versions, torch tagged `+cuXYZ`, and the page's index URL;
  * the reverse: every variant the knowledge base lists for a release appears on the page.
Where the page itself is irregular, the exception is written out below with the reason.
Where envmgr disagrees with the page, the test is an xfail(strict=True) naming the difference.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envmgr.cli import cli
from envmgr.knowledge.facts import load
from envmgr.knowledge.records import cuda_tag
from clihelp import FIXTURES, REPO

FIXTURE = FIXTURES / "previous_versions" / "commands.yaml"
ORACLE = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
COMMANDS: list[dict] = ORACLE["commands"]
SECTIONS = {(s["torch"], s["kind"]): s for s in ORACLE["sections"]}

LINUX = ("linux-windows", "linux")
TORCH_FAMILY = ("pytorch", "pytorch-cpu", "torchvision", "torchvision-cpu", "torchaudio")

# -- page irregularities, each handled explicitly ------------------------------------------
# 1.8.2 LTS: the conda commands carry no version pins at all (`conda install pytorch torchvision
# torchaudio cudatoolkit=10.2 -c pytorch-lts`): the channel holds only 1.8.2. The versions the
# page means are the section's (1.8.2) and those of its own pip commands (0.9.2 / 0.8.2).
UNPINNED_CONDA_RELEASES = {"1.8.2"}
# 1.8.2 LTS, CUDA 11.1: one command for Linux (`-c nvidia`), another for Windows (`-c conda-forge`).
# The extractor labels them os linux / windows; this test compares the Linux one only.
# 2.0.0: conda pins torchvision 0.15.0 / torchaudio 2.0.0, pip pins 0.15.1 / 2.0.1. Not an exception
# here: each command is compared with the route it documents, conda with conda.
# 1.13.x "-c pytorch -nvidia" typo: fixed before e3f009bb (pytorch.github.io PR #1336), so the copy
# reads "-c nvidia". parse_conda_command refuses unknown flags, so such a typo cannot slip through.
# ROCm lines (and their typos, e.g. 1.10.x torchvision 0.10.x+rocm4.0.1) are not extracted.
# 1.0.0 to 1.1.0 CPU: the page's command uses the old package names *and* `cpuonly`
# (`pytorch-cpu==1.1.0 torchvision-cpu==0.3.0 cpuonly`); the package name is the CPU pin there,
# so no `*cpu*` build glob is expected on pytorch-cpu.

# 1.8.1, 1.9.0, 1.9.1 conda "CUDA 11.3": an erratum. The pytorch channel has no 11.3 build of these
# releases, only 11.1 (pytorch.github.io#1033 and #1403, both open; pytorch/pytorch#69202: the
# command silently installs the CPU build). The corrected command is the page's own with
# cudatoolkit=11.1 and the same `-c pytorch -c conda-forge` (as for 1.8.0 + 11.1). These cases
# check that envmgr refuses 11.3 and renders the corrected command; their 11.1 wheels are then not
# "pip-only" (the conda route publishes 11.1).
CONDA_ERRATA = {("1.8.1", "11.3"): "11.1", ("1.9.0", "11.3"): "11.1", ("1.9.1", "11.3"): "11.1"}


# 1.10.0 pip: the page pins torchvision 0.11.0, which is yanked on PyPI (its Requires-Dist pins a
# torch that PyPI does not have). envmgr pairs companions by their own pins and never defaults to
# a yanked release, so it renders 0.11.1, the release that pins torch ==1.10.0 (PyPI JSON API,
# tools/recorded/pypi.json).
PIP_YANKED = {("1.10.0", "torchvision"): "0.11.1"}


def _corrected(record: dict) -> dict:
    fixed = CONDA_ERRATA.get((record["torch"], record["variant"]))
    if record["kind"] != "conda" or fixed is None:
        return record
    command = record["command"].replace(f"cudatoolkit={record['variant']}", f"cudatoolkit={fixed}")
    assert command != record["command"], record
    return {**record, "variant": fixed, "command": command}


# -- envmgr disagreeing with the page: each case with the precise difference ---------------
ENVMGR_DIFFERS: dict[str, str] = {
    "windows-conda-1.8.2-cu111": "page (Windows): `cudatoolkit=11.1 -c pytorch-lts -c conda-forge`; envmgr "
                                 "renders channels [pytorch-lts, nvidia, defaults] for win-64 too (torch.yaml "
                                 "1.8.2 conda cuda 11.1 extra channels are one list for every platform)",
}


# -- parsing the documented commands -------------------------------------------------------

@dataclass
class CondaCommand:
    pins: dict[str, str | None] = field(default_factory=dict)   # torch-family name -> version
    selectors: set[str] = field(default_factory=set)              # cudatoolkit=X, cpuonly, cuda90...
    channels: list[str] = field(default_factory=list)


def parse_conda_command(command: str) -> CondaCommand:
    tokens = command.split()
    assert tokens[:2] == ["conda", "install"], command
    parsed, rest = CondaCommand(), iter(tokens[2:])
    for token in rest:
        if token == "-c":
            parsed.channels.append(next(rest))
        elif token.startswith("-"):
            raise ValueError(f"unexpected flag {token!r} in {command!r}")
        elif token.partition("=")[0] in TORCH_FAMILY:
            name, _, version = token.partition("==")
            if "=" in name:
                raise ValueError(f"torch-family pin without '==' in {command!r}")
            parsed.pins[name] = version or None
        else:
            parsed.selectors.add(token)
    return parsed


@dataclass
class PipCommand:
    pins: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name -> (version, tag)
    url: str | None = None


_PIP_URL_FLAGS = {"-f", "--find-links", "--extra-index-url", "--index-url"}


def split_local(version: str) -> tuple[str, str | None]:
    public, _, tag = version.partition("+")
    return public, tag or None


def parse_pip_command(command: str) -> PipCommand:
    parsed = PipCommand()
    if command.startswith("Download and install wheel from "):
        parsed.url = command.split()[-1]
        return parsed
    tokens = command.split()
    assert tokens[0] in ("pip", "pip3") and tokens[1] == "install", command
    rest = iter(tokens[2:])
    for token in rest:
        if token in _PIP_URL_FLAGS:
            parsed.url = next(rest)
        elif token.startswith("-"):
            raise ValueError(f"unexpected flag {token!r} in {command!r}")
        else:
            name, _, version = token.partition("==")
            parsed.pins[name] = split_local(version)
    return parsed


# -- running envmgr ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("documented")
    (root / "envs").mkdir()
    (root / "lockfiles").mkdir()
    return root


@dataclass
class Rendered:
    route: str
    channels: list[str]
    conda: dict[str, tuple[str | None, str | None]]   # name -> (version, build)
    selectors: set[str]
    pip: list[str]
    python: str


_SPEC = re.compile(r"^([A-Za-z0-9_.\-]+)(.*)$")


def _is_selector(name: str) -> bool:
    return name in ("cudatoolkit", "pytorch-cuda", "cpuonly", "cuda-version") or \
        bool(re.fullmatch(r"cuda\d+", name))


def envmgr_renders(workspace: Path, name: str, stack: str, platform: str = "linux-64",
                   route: str | None = None) -> Rendered:
    """`envmgr new NAME STACK --platform P` (plus `route:` when forced), then `check --json` and
    `render --stdout`."""
    runner, env = CliRunner(), {"ENVMGR_WORKSPACE": str(workspace)}

    def run(*args):
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, f"envmgr {' '.join(args)} exited {result.exit_code}:\n{result.output}"
        return result.output

    run("new", name, stack, "--platform", platform, "--force")
    if route:
        spec = workspace / "envs" / f"{name}.yaml"
        spec.write_text(spec.read_text(encoding="utf-8") + f"route: {route}\n", encoding="utf-8")
    checked = json.loads(run("check", name, "--json"))[0]
    assert checked["ok"], checked["problems"]
    document = yaml.safe_load(run("render", name, "--stdout"))
    conda, selectors, pip = {}, set(), []
    for item in document["dependencies"]:
        if isinstance(item, dict):
            pip = list(item["pip"])
            continue
        spec_name, rest = _SPEC.match(item).groups()
        if _is_selector(spec_name):
            selectors.add(item)
        parts = item.split("=") if rest.startswith("=") else [spec_name]
        conda[spec_name] = (parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)
    return Rendered(route=checked["resolved"]["route"], channels=list(document["channels"]),
                    conda=conda, selectors=selectors, pip=pip, python=checked["resolved"]["python"])


def stack_for(torch: str, variant: str) -> str:
    return f"torch {torch} + {cuda_tag(variant)}"


# -- the cases -----------------------------------------------------------------------------

def _linux_commands(kind: str) -> list[dict]:
    return [c for c in COMMANDS if c["kind"] == kind and c["os"] in LINUX]


def _variants(torch: str, kind: str, os_names=LINUX) -> set[str]:
    """The variants the page documents, its conda errata corrected."""
    return {_corrected(c)["variant"] for c in COMMANDS
            if c["torch"] == torch and c["kind"] == kind and c["os"] in os_names}


def _case_id(kind: str, torch: str, variant: str) -> str:
    return f"{kind}-{torch}-{cuda_tag(variant)}"


def _param(case_id: str, *values):
    marks = [pytest.mark.xfail(strict=True, reason=ENVMGR_DIFFERS[case_id])] \
        if case_id in ENVMGR_DIFFERS else []
    return pytest.param(*values, id=case_id, marks=marks)


CONDA_CASES = [_param(_case_id("conda", c["torch"], c["variant"]), c) for c in _linux_commands("conda")]


def _pip_only_commands() -> list[dict]:
    """Pip commands for variants the page gives no conda command for (conda part fully seen)."""
    cases = []
    for command in _linux_commands("pip"):
        conda_section = SECTIONS.get((command["torch"], "conda"))
        if conda_section is None or not conda_section["complete"]:
            continue
        if command["variant"] not in _variants(command["torch"], "conda"):
            cases.append(command)
    return cases


PIP_ONLY_CASES = [_param(_case_id("pip", c["torch"], c["variant"]), c) for c in _pip_only_commands()]


def _pip_pins_of_same_variant(torch: str, variant: str) -> dict[str, tuple[str, str | None]]:
    for command in _linux_commands("pip"):
        if command["torch"] == torch and command["variant"] == variant:
            return parse_pip_command(command["command"]).pins
    raise AssertionError(f"the page has no pip command for {torch} {variant}")


def expected_conda_pins(record: dict) -> dict[str, str]:
    documented = parse_conda_command(record["command"]).pins
    if record["torch"] in UNPINNED_CONDA_RELEASES:
        wheel = _pip_pins_of_same_variant(record["torch"], record["variant"])
        fill = {"pytorch": record["torch"], "torchvision": wheel["torchvision"][0],
                "torchaudio": wheel["torchaudio"][0]}
        return {name: version or fill[name] for name, version in documented.items()}
    missing = [name for name, version in documented.items() if version is None]
    assert not missing, f"unexpected unpinned {missing} in {record['command']!r}"
    return documented


def envmgr_refuses(workspace: Path, name: str, stack: str) -> str:
    result = CliRunner().invoke(cli, ["new", name, stack, "--platform", "linux-64", "--force"],
                                env={"ENVMGR_WORKSPACE": str(workspace)}, catch_exceptions=False)
    assert result.exit_code == 1, f"envmgr accepted {stack}:\n{result.output}"
    return result.output


@pytest.mark.parametrize("record", CONDA_CASES)
def test_conda_variant_renders_as_documented(workspace, record):
    if (record["torch"], record["variant"]) in CONDA_ERRATA:
        refusal = envmgr_refuses(workspace, "erratum", stack_for(record["torch"], record["variant"]))
        assert "cuda" in refusal.lower(), refusal
        record = _corrected(record)
    torch, variant = record["torch"], record["variant"]
    documented = parse_conda_command(record["command"])
    rendered = envmgr_renders(workspace, f"conda-{torch}-{cuda_tag(variant)}", stack_for(torch, variant))

    assert rendered.route == "pytorch", f"route {rendered.route}, page: {record['command']}"
    rendered_family = {n: v for n, (v, _) in rendered.conda.items() if n in TORCH_FAMILY}
    assert rendered_family == expected_conda_pins(record), record["command"]
    assert rendered.selectors == documented.selectors, record["command"]
    # The page's channels, in its order (priority); envmgr may only add `defaults` after them.
    assert rendered.channels in (documented.channels, documented.channels + ["defaults"]), \
        f"channels {rendered.channels}, page: {record['command']}"
    if "pytorch" in rendered.conda:
        build = rendered.conda["pytorch"][1] or ""
        wanted = "cpu" if variant == "cpu" else f"cuda{variant}"
        assert build.startswith("*") and build.endswith("*") and wanted in build, \
            f"pytorch build glob {build!r} does not pin {wanted}"
    else:
        # Only the 1.0-1.1 CPU names select CPU by the package name itself (see the header).
        assert variant == "cpu" and "pytorch-cpu" in rendered.conda


@pytest.mark.parametrize("record", PIP_ONLY_CASES)
def test_pip_only_variant_renders_as_documented(workspace, record):
    torch, variant = record["torch"], record["variant"]
    documented = parse_pip_command(record["command"])
    name = f"pip-{torch}-{cuda_tag(variant)}"
    rendered = envmgr_renders(workspace, name, stack_for(torch, variant))
    if rendered.route == "conda-forge":
        # From 2.6 the route rule prefers conda-forge when it builds the variant; the page only
        # documents the wheel, so compare the wheel route, forced.
        assert tuple(map(int, torch.split("."))) >= (2, 6), f"conda-forge route for {torch}"
        rendered = envmgr_renders(workspace, name, stack_for(torch, variant), route="pip")

    assert rendered.route == "pip", f"route {rendered.route}, page: {record['command']}"
    option, _, url = rendered.pip[0].partition(" ")
    assert option in ("--find-links", "--extra-index-url"), rendered.pip
    assert url.rstrip("/") == (documented.url or "").rstrip("/"), \
        f"index {url}, page: {record['command']}"
    wheels = {name: split_local(version) for name, _, version in
              (line.partition("==") for line in rendered.pip[1:])}
    assert set(wheels) == set(documented.pins), f"{rendered.pip}, page: {record['command']}"
    assert wheels["torch"][1] == cuda_tag(variant), f"torch is not pinned +{cuda_tag(variant)}"
    for name, (version, tag) in documented.pins.items():
        version = PIP_YANKED.get((torch, name), version)
        assert wheels[name][0] == version, f"{name} {wheels[name]}, page: {record['command']}"
        # The page dropped the +cuXYZ tags from 2.0 on (the wheels still carry them); where it
        # writes a tag, envmgr's must be the same.
        if tag is not None:
            assert wheels[name][1] == tag, f"{name} {wheels[name]}, page: {record['command']}"


# 1.8.2 LTS + CUDA 11.1 is the only variant whose command differs by OS (see the header): the
# Windows command must hold for an environment rendered for win-64 alone.
WINDOWS_CASES = [_param(f"windows-conda-{c['torch']}-{cuda_tag(c['variant'])}", c)
                 for c in COMMANDS if c["kind"] == "conda" and c["os"] == "windows"]


@pytest.mark.parametrize("record", WINDOWS_CASES)
def test_windows_only_conda_command_renders_as_documented(workspace, record):
    torch, variant = record["torch"], record["variant"]
    documented = parse_conda_command(record["command"])
    rendered = envmgr_renders(workspace, f"win-{torch}-{cuda_tag(variant)}", stack_for(torch, variant),
                              platform="win-64")
    assert rendered.route == "pytorch"
    assert rendered.selectors == documented.selectors, record["command"]
    assert rendered.channels in (documented.channels, documented.channels + ["defaults"]), \
        f"channels {rendered.channels}, page: {record['command']}"


# -- the reverse: every variant in the knowledge base is documented -------------------------

def _kb_variants(builds) -> set[str]:
    if builds is None:
        return set()
    return set(builds.cuda) | ({"cpu"} if builds.cpu else set())


REVERSE_CASES = [_param(f"kb-{kind}-{torch}", torch, kind)
                 for (torch, kind), section in SECTIONS.items() if section["complete"]]


# Variants the knowledge base lists beyond the page, each on evidence SOURCES.md names: the
# cu113 wheels of 1.10.0/1.10.1 were built (builder release/1.10 Windows cu113 builds, many
# `torch==1.10.x+cu113 -f .../cu113/torch_stable.html` installs), though the page lists only
# cu102/cu111 for pip.
BEYOND_THE_PAGE = {("1.10.0", "pip"): {"11.3"}, ("1.10.1", "pip"): {"11.3"}}


@pytest.mark.parametrize("torch, kind", REVERSE_CASES)
def test_knowledge_base_variants_are_documented(torch, kind):
    release = load().release(torch)
    assert release is not None and release.torch == torch, f"the page documents torch {torch}"
    builds = release.conda if kind == "conda" else release.pip
    documented = _variants(torch, kind, os_names=("linux-windows", "linux", "windows"))
    beyond = BEYOND_THE_PAGE.get((torch, kind), set())
    assert beyond <= _kb_variants(builds), f"{sorted(beyond)} left the knowledge base: update the list"
    undocumented = _kb_variants(builds) - documented - beyond
    assert not undocumented, (f"knowledge base lists {kind} variants {sorted(undocumented)} for torch "
                              f"{torch}; the page documents {sorted(documented)}")


def test_every_documented_release_between_known_bounds_is_covered():
    """Releases the knowledge base has, up to 2.9.1, that the oracle has no section for.

    The page never had 1.3.x or 1.10.2 (the knowledge base takes them from other sources); 2.4.1,
    2.7.x and 2.8.0 are on the live page but in no stored copy. A release outside this list
    with no section means the oracle cannot vouch for it.
    """
    known_gaps = {"1.3.0", "1.3.1", "1.10.2", "2.4.1", "2.7.0", "2.7.1", "2.8.0"}
    documented = {torch for torch, _ in SECTIONS}
    kb = load()
    newest_documented = max(documented, key=lambda t: tuple(map(int, t.split("."))))
    in_range = {r.torch for r in kb.releases
                if tuple(map(int, r.torch.split("."))) <= tuple(map(int, newest_documented.split(".")))}
    assert in_range - documented == known_gaps


def test_lts_python_note(workspace):
    """The page: "PyTorch LTS version 1.8.2 is only supported for Python <= 3.8"."""
    rendered = envmgr_renders(workspace, "lts-python", "torch 1.8.2 + cu102")
    assert tuple(map(int, rendered.python.split("."))) <= (3, 8), rendered.python


def test_oracle_is_fresh_and_complete():
    """commands.yaml is what the extractor makes of the verbatim copies (nothing hand-edited)."""
    import importlib.util

    tool = REPO / "tools" / "extract_previous_versions.py"
    spec = importlib.util.spec_from_file_location("extract_previous_versions", tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == FIXTURE.read_text(encoding="utf-8")
    # Every command sits in its own release's section: a copy typo in a version would show here.
    for record in COMMANDS:
        if record["kind"] == "conda":
            pins = parse_conda_command(record["command"]).pins
            assert pins.get("pytorch", pins.get("pytorch-cpu")) in (record["torch"], None), record
        elif not record["command"].startswith("Download"):
            assert parse_pip_command(record["command"]).pins["torch"][0] == record["torch"], record
