"""``envmgr import``: a paper's environment file -> ``envs/NAME.yaml``, with a diagnosis.

    source  = reader.read_source(path)           environment.yml / requirements.txt / conda-lock.yml
    facts   = torchstack.recognise(source)       the torch stack, claim by claim, with lines
    spec    = resolve.build_spec(...)            versions decided; the rest carried or dropped
    changes = repair.repair(...)                 only with --fix
    problems= diagnose.diagnose(...)             compat's check plus what only an import sees

``import_file`` runs them and writes the spec atomically; the CLI only prints.

Owns: reading other tools' files and turning them into a spec, with a diagnosis.
May import: ``host``, ``specs``, ``compat``, ``knowledge`` and the ground floor (not ``envs``: a peer).
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EnvmgrError, UsageError
from ..models import Problem, ProblemReport

SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


@dataclass
class ImportReport(ProblemReport):
    name: str
    source: Path
    source_kind: str
    read_from: Path                   # the file the lines refer to (a lockfile's environment.yml)
    spec_path: Path
    spec_text: str
    spec: object                      # envmgr.models.Spec, as written
    resolved: object | None           # envmgr.models.Resolved when the spec is valid
    problems: list[Problem] = field(default_factory=list)
    dropped: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    fixed: bool = False

    def to_json(self) -> dict:
        """import's object: paths absolute (as every envmgr --json), ``stack`` the torch stack as
        the spec writes it (``resolved`` only when it is valid)."""
        import yaml

        data = {
            "name": self.name, "ok": self.ok, "source": str(self.source.absolute()),
            "source_kind": self.source_kind, "read_from": str(self.read_from.absolute()),
            "path": str(self.spec_path.absolute()),
            "spec": yaml.safe_load(self.spec_text),
            "stack": {k: getattr(self.spec, k) for k in ("torch", "cuda", "python", "torchvision",
                                                         "torchaudio", "route")},
            "resolved": self.resolved.summary() if self.resolved else None,
            "problems": [p.to_json() for p in self.problems],
            "dropped": [d.to_json() for d in self.dropped],
        }
        if self.fixed:
            data["changes"] = [c.to_json() for c in self.changes]
        return data

    @staticmethod
    def failure_json(name: str | None, source: str | Path, problem: dict, fixed: bool) -> dict:
        """The same object when nothing was written: the error as its problem."""
        data = {"name": name, "ok": False, "source": str(Path(source).absolute()), "source_kind": None,
                "read_from": None, "path": None, "spec": None, "stack": None, "resolved": None,
                "problems": [problem], "dropped": []}
        if fixed:
            data["changes"] = []
        return data


def import_file(path: str | Path, workspace, *, name: str | None = None, fix: bool = False,
                force: bool = False, kb=None, environment: str | None = None,
                keep_pins: bool = False) -> ImportReport:
    """Read ``path``, write ``envs/NAME.yaml`` in ``workspace``, and diagnose it. ``environment``:
    which of a pixi manifest's environments; ``keep_pins``: a dump's (``conda env export``)
    transitive pins stay in the spec, at their exact versions."""
    from ..atomic import write_text_atomic
    from ..knowledge.facts import load
    from ..specs.specfile import validate_name
    from .diagnose import diagnose
    from .repair import repair
    from .resolve import build_spec
    from .torchstack import recognise

    kb = kb or load()
    path = Path(path)
    source = _read(path, environment)
    name = validate_name(name) if name else default_name(source)
    target = workspace.spec_path(name)
    if target.exists() and not force:
        exists = UsageError(f"envs/{name}.yaml already exists",
                            fix="pick another name with --name, or overwrite it with --force")
        exists.code = "spec-exists"      # its problem code in --json
        raise exists
    imported = build_spec(source, recognise(source), name, kb, fix=fix, keep_pins=keep_pins)
    changes = imported.changes + (repair(imported, kb) if fix else [])
    text = _spec_text(imported.spec, path)
    _check_round_trip(text, name)
    write_text_atomic(target, text)
    result, problems = diagnose(imported, kb)
    problems.sort(key=lambda p: SEVERITY_ORDER.get(p.severity, 3))
    return ImportReport(name=name, source=path, source_kind=_kind(source), read_from=source.path,
                        spec_path=target,
                        spec_text=text, spec=imported.spec, resolved=result.resolved,
                        problems=problems, dropped=imported.dropped, changes=changes, fixed=fix)


def _read(path: Path, environment: str | None = None):
    """The source file; whatever is wrong with it is a one-line usage error, never a traceback."""
    from .reader import read_source

    try:
        return read_source(path, environment)
    except EnvmgrError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        raise UsageError(f"cannot read it as an environment file ({type(exc).__name__}: {exc})",
                         file=path, fix="give an environment.yml, a requirements.txt or a "
                                        "conda-lock.yml") from None


def default_name(source) -> str:
    """The file's ``name:``, else its folder's name, made into a valid environment name."""
    from ..specs.specfile import validate_name

    candidates = [source.name, source.path.resolve().parent.name]
    for candidate in filter(None, candidates):
        cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", candidate.strip()).strip("-.")[:64]
        if cleaned:
            return validate_name(cleaned)
    raise UsageError("cannot tell the environment's name from the file", file=source.path,
                     fix="give one with --name")


def _kind(source) -> str:
    if source.kind == "environment" and source.is_export:
        return "environment (conda env export)"
    return source.kind


def _spec_text(spec, source_path: Path) -> str:
    from ..specs.specfile import dump_spec

    shown = " ".join(str(source_path).split())
    return f"# Imported from {shown} by `envmgr import`.\n" + dump_spec(spec)


def _check_round_trip(text: str, name: str) -> None:
    """The spec must read back: a bug here must not leave a spec that `envmgr check` rejects."""
    from ..specs.specfile import load_spec

    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / f"{name}.yaml"
        probe.write_text(text, encoding="utf-8")
        try:
            load_spec(probe)
        except EnvmgrError as err:
            raise EnvmgrError(f"the imported spec would not read back ({err.message}); "
                              "nothing was written", fix="report this as an envmgr bug") from None
