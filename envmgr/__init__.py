"""envmgr: side-by-side, validated, locked conda environments for PyTorch stacks."""

__version__ = "0.1.0"
