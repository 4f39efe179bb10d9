"""Reading a spec file's YAML as nodes (``yaml.compose``), so every key keeps its line and a plain
``torch: 1.10`` is read from its text ("1.10"), not as the float YAML makes of it (1.1).

Imported only when a spec is read that envmgr's cache does not hold (``specfile.read_spec_text``)
or a spec list is written: PyYAML's import is a large part of `envmgr check`.
"""
from __future__ import annotations

import datetime
import re
from pathlib import Path

import yaml

from ..errors import SpecError, UsageError
from ..models import PLATFORMS, ROUTES, Spec
from ..yamlio import LOADER
from .speckeys import (EXAMPLE_STACK, KNOWN_KEYS, LIST_KEYS, NONE, RESERVED_VARIABLES, VERSION_KEYS,
                       known_keys, quote, unique)
from .stack import TORCH_VERSION, cuda_version, parse_stack, python_version

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TAG = "tag:yaml.org,2002:"
_NULL, _BOOL, _STR = _TAG + "null", _TAG + "bool", _TAG + "str"
# YAML 1.1 reads these plain words as false; for torchvision/torchaudio they mean "leave it out".
_FALSE_WORDS = {"false", "no", "off", "none"}


class SpecReader:
    """One spec file being read: knows the file, so every error can say where."""

    def __init__(self, path: Path, name: str):
        self.path = path
        self.spec = Spec(name=name, path=path)
        self.stack_request = None   # the parsed `stack:`, when the file has one

    def read(self, text: str) -> Spec:
        root = self._compose(text)
        if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == _NULL):
            raise self._error("the spec is empty", None, fix=f"add `{EXAMPLE_STACK}`")
        if not isinstance(root, yaml.MappingNode):
            raise self._error("the spec must be a mapping of keys to values", root,
                              fix=f"write keys like `{EXAMPLE_STACK}`")
        values: dict[str, yaml.Node] = {}
        for key_node, value_node in root.value:
            key = self._key(key_node)
            if key in values:
                raise self._error(f"`{key}` is given twice (first on line "
                                  f"{self.spec.lines[key]})", key_node, fix="keep one of them")
            values[key] = value_node
            self.spec.lines[key] = _line(key_node)
        for key, node in values.items():
            self._read_value(key, node)
        self._fill_from_stack()
        return self.spec

    def _compose(self, text: str) -> yaml.Node | None:
        try:
            # libyaml's composer when present: the pure-Python one dominates `envmgr check`.
            return yaml.compose(text, Loader=LOADER)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            context = getattr(exc, "context", None)
            started = getattr(exc, "context_mark", None)
            if context and started and mark and started.line != mark.line:
                context = f"{context} started on line {started.line + 1}"   # an unclosed [ or "
            detail = f"{context}, {problem}" if context else problem
            raise SpecError(f"malformed YAML: {' '.join(str(detail).split())}", file=self.path,
                            line=mark.line + 1 if mark else None,
                            fix="check the indentation and quoting on that line") from None

    def _key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self._error("keys must be plain names", node, fix=f"use one of {known_keys()}")
        key = node.value
        if key not in KNOWN_KEYS:
            import difflib  # only for a typo'd key

            near = difflib.get_close_matches(key.lower(), KNOWN_KEYS, n=1, cutoff=0.6)
            fix = f"did you mean `{near[0]}`?" if near else f"use one of {known_keys()}"
            raise self._error(f"unknown key `{key}`", node, fix=fix)
        return key

    def _read_value(self, key: str, node: yaml.Node) -> None:
        if key == "stack":
            self.spec.stack = self._scalar(key, node, "a stack like `torch 1.10 + cu102`")
            try:
                self.stack_request = parse_stack(self.spec.stack)
            except UsageError as err:
                raise self._error(err.message, node, fix=err.fix) from None
        elif key in ("torchvision", "torchaudio"):
            setattr(self.spec, key, self._companion(key, node))
        elif key in VERSION_KEYS:
            setattr(self.spec, key, self._version(key, node))
        elif key in LIST_KEYS:
            setattr(self.spec, key, self._list(key, node))
        elif key == "route":
            route = self._scalar(key, node, " | ".join(ROUTES))
            if route not in ROUTES:
                raise self._error(f"unknown route {route!r}", node,
                                  fix=f"use one of {', '.join(ROUTES)}, or remove `route:`")
            self.spec.route = route
        elif key == "as_of":
            self.spec.as_of = self._as_of(node)
        elif key == "variables":
            self.spec.variables = self._variables(node)

    def _variables(self, node: yaml.Node) -> dict[str, str]:
        """``variables:``: environment variable names to values, as conda's environment files
        write them. A value is taken as written (``1.10`` stays "1.10")."""
        example = 'variables: {OMP_NUM_THREADS: "1"}'
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return {}
        if not isinstance(node, yaml.MappingNode):
            raise self._error("`variables`: expected a mapping of names to values", node,
                              fix=f"write it like `{example}`")
        found: dict[str, str] = {}
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not name or not _VARIABLE.fullmatch(name):
                raise self._error(f"`variables`: {name or 'this key'!r} is not an environment "
                                  "variable name (letters, digits, '_'; not starting with a digit)",
                                  key_node, fix=f"write it like `{example}`")
            if name.upper() in RESERVED_VARIABLES:
                raise self._error(f"`variables`: {name} is set by activation itself", key_node,
                                  fix=f"remove {name}; put folders on PATH with a package, or set "
                                      "another variable")
            if name in found:
                raise self._error(f"`variables`: {name} is given twice", key_node,
                                  fix="keep one of them")
            if not isinstance(value_node, yaml.ScalarNode) or value_node.tag == _NULL:
                raise self._error(f"`variables`: {name} needs a single value (a string)", value_node,
                                  fix=f'write it like `{name}: "value"`')
            self.spec.lines[f"variables.{name}"] = _line(key_node)
            found[name] = value_node.value
        return found

    def _version(self, key: str, node: yaml.Node) -> str:
        text = self._scalar(key, node, f'a version like "{_EXAMPLE_VERSION[key]}"')
        try:
            if key == "cuda":
                return cuda_version(text)
            if key == "python":
                return python_version(text)
        except UsageError as err:
            raise self._error(f"`{key}`: {err.message}", node, fix=err.fix) from None
        if not TORCH_VERSION.fullmatch(text):
            raise self._error(f"`{key}`: {text!r} is not a version (digits and dots)", node,
                              fix=f'write it like {key}: "{_EXAMPLE_VERSION[key]}"')
        return text

    def _companion(self, key: str, node: yaml.Node) -> str:
        """torchvision/torchaudio: a version, or none/null/false meaning leave it out."""
        if isinstance(node, yaml.ScalarNode) and (
                node.tag in (_NULL, _BOOL) or node.value.strip().lower() in _FALSE_WORDS):
            if node.tag == _BOOL and node.value.lower() not in _FALSE_WORDS:
                raise self._error(f"`{key}: {node.value}` is not a version", node,
                                  fix=f"give a version, `{key}: none` to leave it out, "
                                      f"or remove the key for the paired release")
            return NONE
        return self._version(key, node)

    def _list(self, key: str, node: yaml.Node) -> list[str] | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            if key in ("packages", "pip"):
                return []
            raise self._error(f"`{key}` is empty", node,
                              fix=f"list at least one, or remove `{key}:` for the default")
        if not isinstance(node, yaml.SequenceNode):
            example = _EXAMPLE_LIST[key]
            raise self._error(f"`{key}`: expected a list of strings", node,
                              fix=f"write it as a list: `{key}: [{example}]`")
        items = []
        for index, item in enumerate(node.value):
            if not isinstance(item, yaml.ScalarNode) or item.tag == _NULL or not item.value.strip():
                raise self._error(f"`{key}`: item {index + 1} is not a string", item,
                                  fix=f"write it as a list: `{key}: [{_EXAMPLE_LIST[key]}]`")
            self.spec.lines[f"{key}[{index}]"] = _line(item)
            items.append(item.value.strip())
        if key == "platforms":
            self._check_platforms(node, items)
        if key in ("channels", "platforms") and not items:
            raise self._error(f"`{key}` is empty", node,
                              fix=f"list at least one, or remove `{key}:` for the default")
        return unique(items) if key == "platforms" else items

    def _check_platforms(self, node: yaml.SequenceNode, platforms: list[str]) -> None:
        for item, platform in zip(node.value, platforms):
            if platform not in PLATFORMS:
                raise self._error(f"unknown platform {platform!r}", item,
                                  fix=f"use one of {', '.join(PLATFORMS)}")

    def _as_of(self, node: yaml.Node) -> str:
        text = self._scalar("as_of", node, "a date YYYY-MM-DD or `release`")
        if text == "release":
            return text
        try:
            if _DATE.fullmatch(text):
                datetime.date.fromisoformat(text)
                return text
        except ValueError:
            pass
        raise self._error(f"`as_of`: {text!r} is not a date YYYY-MM-DD or `release`", node,
                          fix='write it like as_of: "2021-06-30"')

    def _scalar(self, key: str, node: yaml.Node, expected: str) -> str:
        """A scalar as written in the file: a plain 1.10 stays "1.10", not the float 1.1."""
        if not isinstance(node, yaml.ScalarNode):
            raise self._error(f"`{key}`: expected {expected}, not a "
                              f"{'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}",
                              node, fix=f"give `{key}` a single value")
        if node.tag == _NULL or not node.value.strip():
            raise self._error(f"`{key}` is empty", node,
                              fix=f"give {expected}, or remove `{key}:`")
        return node.value.strip()

    def _fill_from_stack(self) -> None:
        """Explicit keys win; the stack fills torch, CUDA and python where they are absent."""
        request = self.stack_request
        if request is not None:
            for key in ("torch", "cuda", "python"):
                if getattr(self.spec, key) is None and getattr(request, key) is not None:
                    setattr(self.spec, key, getattr(request, key))
                    self.spec.lines[key] = self.spec.lines["stack"]
        if self.spec.torch is None:
            raise self._error("no torch version: add `stack: torch X.Y + cuNNN`", None,
                              fix=f"for example `{EXAMPLE_STACK}`")

    def _error(self, message: str, node: yaml.Node | None, *, fix: str | None) -> SpecError:
        return SpecError(message, file=self.path, line=_line(node) if node is not None else None,
                         fix=fix)


_EXAMPLE_VERSION = {"torch": "1.10", "cuda": "11.8", "python": "3.8",
                    "torchvision": "0.11.2", "torchaudio": "0.10.1"}
_EXAMPLE_LIST = {"packages": '"numpy <1.22", scipy', "pip": '"timm==0.4.12"',
                 "channels": "pytorch, conda-forge", "platforms": "linux-64, win-64"}


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


# Plain YAML is kept for items that read back as the same string; anything else is quoted.
_PLAIN_SAFE = re.compile(r"[A-Za-z_][A-Za-z0-9_.<>=!~*,+ /-]*")
_RESOLVER = yaml.resolver.Resolver()


def quote_if_needed(text: str) -> str:
    if _PLAIN_SAFE.fullmatch(text) and not text.endswith(" ") and \
            _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR:
        return text
    return quote(text)


