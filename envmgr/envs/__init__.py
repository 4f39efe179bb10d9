"""envs: named environments on disk and what is known about them.

Owns: an environment's lifecycle, exists / create / remove / in_sync (``environments``), the
ownership marker (``marker``), the inventory of an envs dir (``inventory``), the rows of
``envmgr list`` (``listing``) and ``verify``.
May import: ``engine``, ``host``, ``specs``, ``compat``, ``knowledge`` and the ground floor.
"""
