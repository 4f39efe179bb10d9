"""refresh: knowledge derived from the primary indexes themselves.

``pypi`` reads a PyPI-compatible index (JSON API, PEP 691, wheel METADATA), ``wheelindex`` PyTorch's
PEP 503 wheel pages, ``repodata`` a conda channel's repodata.json; ``derive`` turns what they read
into knowledge-base rows, ``overlay`` writes them to the user-level overlay and ``diff`` says what
changed. Only the ground floor is imported here (rattler lazily, as a library).
"""
