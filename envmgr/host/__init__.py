"""host: what this machine is.

Owns: GPU and driver detection (``detect``, ``nvidiasmi``), the virtual packages a solve assumes
(``virtual``), where environments and the package cache live on this machine (``locations``)
and the ``doctor`` report.
May import: ``specs``, ``compat``, ``knowledge`` and the ground floor.
"""
