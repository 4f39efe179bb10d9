"""Edit a spec's ``packages:`` or ``pip:`` list in place, as ``pixi add`` edits its manifest.

The edit is made on the file's lines, not by re-dumping the spec: comments, key order, quoting
and the list's own style (``[a, b]`` or one ``- a`` per line) stay as they were, and only the
lines of that list change. The edited text is read back as a spec before anything is written,
so an edit that does not give the intended list is refused, never half-applied.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import SpecError, UsageError
from ..yamlio import LOADER
from .specfile import read_spec_text

EDITABLE = ("packages", "pip")
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-<>=!~* ]*")   # needs no quotes in either style
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


@dataclass
class Edit:
    text: str            # the whole new file
    added: list[str]
    removed: list[str]


def package_name(requirement: str) -> str:
    """``numpy <1.22`` / ``timm==0.4.12`` / ``conda-forge::scipy`` -> the package's name, lower case."""
    text = requirement.strip().split("::")[-1]
    found = _NAME.match(text)
    return found.group().lower().replace("_", "-") if found else text.lower()


def _scalar(item: str, flow: bool) -> str:
    if _PLAIN.fullmatch(item) and not (flow and "," in item) and not item.endswith(" "):
        return item
    return json.dumps(item)          # a JSON string is a YAML double-quoted scalar


def _list_node(root: yaml.MappingNode, key: str):
    for key_node, value in root.value:
        if key_node.value == key:
            return key_node, value
    return None, None


def add_items(path: Path, text: str, key: str, items: list[str]) -> Edit:
    """``text`` with ``items`` appended to its ``key`` list (created at the end when absent);
    items whose package is listed already are replaced in place (``numpy`` -> ``numpy<2``)."""
    spec = read_spec_text(path, text)
    current = list(getattr(spec, key))
    names = {package_name(i): n for n, i in enumerate(current)}
    wanted = list(current)
    for item in items:
        where = names.get(package_name(item))
        if where is None:
            names[package_name(item)] = len(wanted)
            wanted.append(item)
        else:
            wanted[where] = item
    added = [i for i in wanted if i not in current]
    return Edit(_rewrite(path, text, key, wanted), added, [i for i in current if i not in wanted])


def remove_items(path: Path, text: str, key: str, names: list[str]) -> Edit:
    """``text`` without the ``key`` entries naming any of the packages ``names``."""
    spec = read_spec_text(path, text)
    current = list(getattr(spec, key))
    gone = {package_name(n) for n in names}
    missing = sorted(gone - {package_name(i) for i in current})
    if missing:
        listed = ", ".join(current) or "nothing"
        raise UsageError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in "
                         f"{key}: of {spec.name} (it lists {listed})", file=path,
                         line=spec.line_of(key),
                         fix=f"`envmgr add {spec.name} ...` adds packages; check the name and "
                             f"{'--pip' if key == 'packages' else 'drop --pip'}")
    wanted = [i for i in current if package_name(i) not in gone]
    removed = [i for i in current if package_name(i) in gone]
    return Edit(_rewrite(path, text, key, wanted), [], removed)


def _rewrite(path: Path, text: str, key: str, wanted: list[str]) -> str:
    root = yaml.compose(text, Loader=LOADER)
    key_node, node = _list_node(root, key) if isinstance(root, yaml.MappingNode) else (None, None)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if key_node is None:
        new_lines = lines + [f"{key}:\n"] + [f"  - {_scalar(i, False)}\n" for i in wanted]
    elif isinstance(node, yaml.SequenceNode) and node.flow_style:
        new_lines = _flow(lines, node, wanted)
    elif isinstance(node, yaml.SequenceNode) and node.value:
        new_lines = _block(lines, node, wanted)
    else:   # `packages:` with nothing after it, or `packages: []` read as a scalar: write it out
        start = key_node.start_mark.line
        end = max(node.end_mark.line, start) if node.end_mark.column else max(node.end_mark.line - 1, start)
        head = f"{key}:" + (" []" if not wanted else "") + "\n"
        new_lines = lines[:start] + [head] + [f"  - {_scalar(i, False)}\n" for i in wanted] \
            + lines[end + 1:]
    new_text = "".join(new_lines)
    got = getattr(_read_back(path, new_text), key)
    if got != wanted:       # the edit must give exactly the intended list, or nothing is written
        raise SpecError(f"cannot edit the {key}: list of this spec in place (it reads back as "
                        f"{got})", file=path, fix=f"edit {key}: by hand")
    return new_text


def _read_back(path: Path, text: str):
    try:
        return read_spec_text(path, text)
    except SpecError as err:
        raise SpecError(f"the edited spec would not read: {err.message}", file=path,
                        fix="edit the list by hand") from None


def _flow(lines: list[str], node: yaml.SequenceNode, wanted: list[str]) -> list[str]:
    """``packages: [a, b]``: the bracketed span replaced, the rest of its lines kept."""
    start, end = node.start_mark, node.end_mark
    before = lines[start.line][:start.column]
    after = lines[end.line][end.column:]
    body = "[" + ", ".join(_scalar(i, True) for i in wanted) + "]"
    return lines[:start.line] + [before + body + after] + lines[end.line + 1:]


def _block(lines: list[str], node: yaml.SequenceNode, wanted: list[str]) -> list[str]:
    """One ``- item`` line per entry: kept lines (their comments too) stay byte for byte, comment
    lines between items stay where they are, new entries follow the last item with its indent."""
    items = node.value
    if any(i.start_mark.line != i.end_mark.line for i in items):
        raise SpecError("a list item spans several lines", fix="edit the list by hand")
    first, last = items[0].start_mark.line, items[-1].end_mark.line
    indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
    line_of = {item.start_mark.line: str(item.value) for item in items}
    remaining = list(wanted)
    body = []
    for number in range(first, last + 1):
        value = line_of.get(number)
        if value is None:
            body.append(lines[number])                 # a comment or blank line inside the list
        elif value in remaining:
            remaining.remove(value)
            body.append(lines[number])
        else:
            replacement = next((w for w in remaining if package_name(w) == package_name(value)
                                and w not in line_of.values()), None)
            if replacement is not None:                # numpy -> numpy<2, in its place
                remaining.remove(replacement)
                body.append(f"{indent}- {_scalar(replacement, False)}\n")
    body += [f"{indent}- {_scalar(i, False)}\n" for i in remaining]
    return lines[:first] + body + lines[last + 1:]
