"""specs: the workspace, its spec files, and the spec -> resolved stack pipeline.

Owns: finding the workspace and its settings (``workspace``), reading and writing spec files
(``specfile``), the stack shorthand "torch 1.10 + cu102" (``stack``), rendering a resolved stack
into an environment file (``render``) and the load -> check -> render pipeline (``pipeline``).
May import: ``compat``, ``knowledge`` and the ground floor.
"""
