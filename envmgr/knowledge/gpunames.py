"""GPU model names (as nvidia-smi prints them) to compute capability, via the knowledge base's
``gpus.yaml`` table.

nvidia-smi spells one model many ways over the years: "GeForce GTX 1080" (before ~R465),
"NVIDIA GeForce RTX 3090", "Tesla V100-SXM2-16GB", "NVIDIA A100-SXM4-40GB", "NVIDIA H100 80GB HBM3",
"NVIDIA GeForce RTX 4090 Laptop GPU". Names are reduced to their model tokens (brand words, memory
sizes and form factors dropped) and must then match exactly, so "GTX 1080 Ti" never matches
"GTX 1080" by accident; a known variant suffix (Ti, SUPER, D, Laptop ...) is accepted only when the
table has no exact row, because variants of one model number share its architecture.
"""
from __future__ import annotations

import re

BRAND_WORDS = {"nvidia", "geforce", "tesla", "quadro"}
# Form factors, memory sizes and packaging that do not change the chip.
NOISE_RE = re.compile(r"^(\d+gb|pcie|sxm\d*|hbm\d*e?|nvl|gpu|oem|dgxs|smx\d*|mig|\d+c|\d+q)$")
VARIANT_WORDS = {"ti", "super", "d", "laptop", "mobile", "max", "q", "se", "v2", "edition"}
SM_RE = re.compile(r"^(?:sm_?|compute_)?(\d{2,3})[af]?$", re.I)
CC_RE = re.compile(r"^(\d{1,2})\.(\d)$")


def capability_from_sm(text: str) -> str | None:
    """"sm_86" / "86" / "8.6" / "sm_120" / "sm_90a" -> "8.6" / "12.0" / "9.0"; None otherwise."""
    text = text.strip()
    dotted = CC_RE.match(text)
    if dotted:
        return f"{int(dotted.group(1))}.{dotted.group(2)}"
    match = SM_RE.match(text)
    if not match:
        return None
    digits = match.group(1)
    return f"{int(digits[:-1])}.{digits[-1]}"


def model_tokens(name: str) -> tuple[str, ...]:
    text = name.lower().replace("-", " ").replace("_", " ")
    text = re.sub(r"[(),]", " ", text)
    return tuple(t for t in text.split() if t not in BRAND_WORDS and not NOISE_RE.match(t))


def _candidates(table) -> list[tuple[tuple[str, ...], str, str]]:
    rows = []
    for gpu in table:
        for spelling in (gpu.name, *gpu.aliases):
            tokens = model_tokens(spelling)
            if tokens:
                rows.append((tokens, gpu.cc, gpu.name))
    return rows


def lookup_capability(name: str, table) -> tuple[str, str] | None:
    """(compute capability, the table row's name) for an nvidia-smi GPU name, or None."""
    wanted = model_tokens(name)
    if not wanted:
        return None
    rows = _candidates(table)
    for tokens, cc, row_name in rows:
        if tokens == wanted:
            return str(cc), row_name
    # "RTX 5090 D", "RTX 4090 Laptop": the longest row that is a prefix of the name, when only
    # variant words remain. Rows with different capabilities for one prefix make it ambiguous.
    best: list[tuple[int, str, str]] = []
    for tokens, cc, row_name in rows:
        rest = wanted[len(tokens):]
        if wanted[:len(tokens)] == tokens and rest and all(t in VARIANT_WORDS for t in rest):
            best.append((len(tokens), str(cc), row_name))
    if not best:
        return None
    longest = max(length for length, _, _ in best)
    top = {(cc, row) for length, cc, row in best if length == longest}
    if len({cc for cc, _ in top}) != 1:
        return None
    cc, row = sorted(top)[0]
    return cc, row


def suggest_name(name: str, table) -> str | None:
    """The table spelling nearest to a name that did not match ("RTX3090" -> "RTX 3090"): spaces,
    hyphens and brand words ignored, then difflib over what is left; None when nothing is close."""
    import difflib

    spellings: dict[str, str] = {}
    for gpu in table:
        for spelling in (gpu.name, *gpu.aliases):
            key = "".join(model_tokens(spelling))
            if key and (key not in spellings or len(spelling) < len(spellings[key])):
                spellings[key] = spelling     # the shortest spelling of a model reads best
    wanted = "".join(model_tokens(name))
    if not wanted:
        return None
    if wanted in spellings:
        return spellings[wanted]
    # "rtx4090 laptop": spaced where letters meet digits, a variant of a known model matches
    spaced = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", name.strip())
    if spaced != name.strip() and lookup_capability(spaced, table):
        return spaced
    close = difflib.get_close_matches(wanted, list(spellings), n=1, cutoff=0.75)
    return spellings[close[0]] if close else None
