"""The stack shorthand: ``torch 1.10 + cu102 + py3.7`` and the other ways people write it.

Only syntax lives here: a version that looks right (``torch 1.99``) parses fine and is
rejected later by ``envmgr.compat``, which knows which releases exist.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import UsageError
from ..models import CPU

# Versions are digits and dots; anything else ("1.x", "2.4.0a0") is a typo or a range.
TORCH_VERSION = re.compile(r"\d+\.\d+(?:\.\d+)?")
CUDA_VERSION = re.compile(r"\d+\.\d+")
PYTHON_VERSION = re.compile(r"\d+\.\d+")
# cu102 -> 10.2, cu92 -> 9.2: every CUDA release so far has a one-digit minor.
_COMPACT_CUDA = re.compile(r"\d{2,3}")
# py37 -> 3.7, py310 -> 3.10: the major is always one digit.
_COMPACT_PYTHON = re.compile(r"\d{2,3}")

STACK_EXAMPLE = "`torch 1.10 + cu102 + py3.8` or `torch 2.4 + cpu`"
_SEPARATORS = re.compile(r"[\s+,=]+")
_RANGE_CHARS = re.compile(r"[<>!~*^]")
_NOT_IN_STACK = {"torchvision", "torchaudio", "torchtext", "numpy"}


class StackRequest(NamedTuple):   # a NamedTuple: dataclass code generation costs startup
    """What a shorthand asks for; ``None`` means "not given, let the knowledge base choose"."""

    torch: str | None
    cuda: str | None = None      # "10.2" or "cpu"
    python: str | None = None    # "3.8"

    def __str__(self) -> str:
        return format_stack(self.torch, self.cuda, self.python)


def parse_stack(text: str) -> StackRequest:
    """Parse a stack shorthand; raise ``UsageError`` naming the part that was not understood."""
    if not isinstance(text, str) or not text.strip():
        raise _stack_error(text, "is empty")
    if _RANGE_CHARS.search(text):
        bad = _RANGE_CHARS.search(text).group()
        raise _stack_error(text, f"'{bad}': a stack names one version, not a range")
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    found: dict[str, tuple[str, str]] = {}   # field -> (value, the words that gave it)
    i = 0
    while i < len(tokens):
        field, value, used = _read_part(text, tokens, i)
        words = " ".join(tokens[i:i + used])
        if field in found:
            raise _stack_error(
                text, f"{_FIELD_LABEL[field]} given twice ('{found[field][1]}' and '{words}')")
        found[field] = (value, words)
        i += used
    if "torch" not in found:
        raise _stack_error(text, "has no torch version")
    return StackRequest(*(found[f][0] if f in found else None for f in ("torch", "cuda", "python")))


def format_stack(torch: str, cuda: str | None = None, python: str | None = None) -> str:
    """The canonical shorthand, e.g. ``torch 1.10.1 + cu102 + py3.7``; ``parse_stack`` reads it back."""
    if not isinstance(torch, str) or not TORCH_VERSION.fullmatch(torch):
        raise UsageError(f"torch version {torch!r} is not a version (digits and dots)",
                         fix="give a torch version like 1.10 or 1.10.1")
    parts = [f"torch {torch}"]
    if cuda is not None:
        parts.append(_format_cuda(cuda_version(cuda)))
    if python is not None:
        parts.append(f"py{python_version(python)}")
    return " + ".join(parts)


def cuda_version(text: str) -> str:
    """Normalise a CUDA version as written in a spec: "10.2", "cu102" or "cpu"; "" if it is none."""
    lowered = text.strip().lower()
    if lowered in ("cpu", "cpuonly"):
        return CPU
    if lowered.startswith("cu") and not lowered.startswith("cuda"):
        lowered = _compact_cuda(lowered[2:]) or ""
    if CUDA_VERSION.fullmatch(lowered):
        return lowered
    raise UsageError(f"{text!r} is not a CUDA version",
                     fix='write a major.minor version like "11.8", or "cpu"')


def python_version(text: str) -> str:
    """Check a Python version is major.minor ("3.8"); return it."""
    if PYTHON_VERSION.fullmatch(text.strip()):
        return text.strip()
    raise UsageError(f"{text!r} is not a Python version",
                     fix='write major.minor, like "3.8"')


_FIELD_LABEL = {"torch": "torch", "cuda": "CUDA", "python": "python"}


def _read_part(text: str, tokens: list[str], i: int) -> tuple[str, str, int]:
    """Read one part of the stack starting at ``tokens[i]``: (field, value, tokens used)."""
    token = tokens[i]
    word = token.lower()
    following = tokens[i + 1] if i + 1 < len(tokens) else None

    def value_after(attached: str) -> tuple[str, int, str]:
        """The version attached to the word (py38) or the next token (python 3.8), as written."""
        if attached:
            return attached, 1, token
        if following is None:
            raise _stack_error(text, f"'{token}' needs a version after it")
        return following, 2, following

    match = re.fullmatch(r"(?:py)?torch(\d.*)?", word)
    if match:
        version, used, shown = value_after(match.group(1) or "")
        if not TORCH_VERSION.fullmatch(version):
            raise _stack_error(text, f"'{shown}' is not a torch version (digits and dots, "
                                     f"like 1.10 or 1.10.1)")
        return "torch", version, used
    if word in ("cpu", "cpuonly"):
        return "cuda", CPU, 1
    match = re.fullmatch(r"(?:cuda|cudatoolkit)(\d.*)?", word)
    if match:
        version, used, shown = value_after(match.group(1) or "")
        if not CUDA_VERSION.fullmatch(version):
            raise _stack_error(text, f"'{shown}' is not a CUDA version (major.minor, like 11.8)")
        return "cuda", version, used
    match = re.fullmatch(r"cu(.*)", word)
    if match:
        if not match.group(1):
            raise _stack_error(text, f"'{token}' needs its version attached, like cu102 or cu118")
        version = _compact_cuda(match.group(1))
        if version is None:
            raise _stack_error(text, f"'{token}' is not a CUDA tag (like cu102 = 10.2, cu118 = 11.8)")
        return "cuda", version, 1
    match = re.fullmatch(r"(?:python|py)(.*)", word)
    if match:
        version, used, shown = value_after(match.group(1))
        normal = _compact_python(version)
        if normal is None:
            raise _stack_error(text, f"'{shown}' is not a Python version (like py3.8 or py38)")
        return "python", normal, used
    if TORCH_VERSION.fullmatch(word) or re.fullmatch(r"\d[\w.]*", word):
        raise _stack_error(text, f"'{token}' is a version with no name before it "
                                 f"(write `torch {token}`)")
    if word in _NOT_IN_STACK:
        raise _stack_error(text, f"'{token}' does not go in the stack (only torch, CUDA and "
                                 f"python do); give it its own key in the spec, like "
                                 f"`{word}: \"X.Y\"`")
    raise _stack_error(text, f"'{token}' is not understood (envmgr handles PyTorch stacks: "
                             f"torch, CUDA or cpu, python)")


def _compact_cuda(digits: str) -> str | None:
    """``102`` -> ``10.2``, ``92`` -> ``9.2``; ``11.8`` passes through; anything else -> None."""
    if _COMPACT_CUDA.fullmatch(digits):
        return f"{int(digits[:-1])}.{digits[-1]}"
    if CUDA_VERSION.fullmatch(digits):
        return digits
    return None


def _compact_python(text: str) -> str | None:
    """``37`` -> ``3.7``, ``310`` -> ``3.10``; ``3.8`` passes through; anything else -> None."""
    if _COMPACT_PYTHON.fullmatch(text):
        return f"{text[0]}.{text[1:]}"
    if PYTHON_VERSION.fullmatch(text):
        return text
    return None


def _format_cuda(cuda: str) -> str:
    if cuda == CPU:
        return CPU
    major, minor = cuda.split(".")
    # A two-digit minor would read back wrongly as cuNNNN; spell those out.
    return f"cu{int(major)}{minor}" if len(minor) == 1 else f"cuda {cuda}"


def _stack_error(text, problem: str) -> UsageError:
    shown = " ".join(str(text).split()) if text is not None else ""
    return UsageError(f"stack '{shown}' {problem}" if problem.startswith(("is ", "has "))
                      else f"stack '{shown}': {problem}",
                      fix=f"write it like {STACK_EXAMPLE}")
