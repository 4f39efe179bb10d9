"""knowledge: the facts about PyTorch stacks, read from the data files.

Owns: loading ``knowledge/data/*.yaml`` (``facts``), releases and their variants per route
(``variants``, ``routes``), CUDA drivers (``drivers``), GPU architectures and names (``gpuarch``,
``gpunames``), the matrix tables (``matrix``) and the ``as_of`` date rules (``asof``).
May import: only the ground floor (``envmgr.models``, ``errors``, ``atomic``, ``yamlio``, ``disk``, ``paths``).
Nothing here imports rattler or conda-lock.
"""
