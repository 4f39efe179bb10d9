"""engine: solving, locking and installing, through py-rattler (and uv for the pip layer).

Owns: channels and mirrors (``channels``), the solve (``solve``), conda-lock files written and read
back (``lock``, ``lockfile``, ``lockread``), linking a lock's packages into a prefix (``install``)
and the pip layer (``piplayer/``).
May import: ``host``, ``specs``, ``compat``, ``knowledge`` and the ground floor. rattler and
conda-lock are imported inside the functions that need them, so commands that do not solve or
install never pay for them.
"""
