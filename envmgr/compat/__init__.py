"""compat: verdicts on a stack, and on a stack on a given host.

Owns: the rules that say whether a torch/vision/audio/python/CUDA combination exists and how it is
installed (``check``; the torchvision/torchaudio pairing in ``companions``, version comparisons
in ``versions``), whether a build's GPU architectures fit a GPU (``buildfit``), and whether a
stack runs on a described host (``hostcheck``; the host is passed in, never detected here).
May import: ``knowledge`` and the ground floor.
"""
