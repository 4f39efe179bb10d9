"""The command line: a thin click shell over the stage modules.

Each command module keeps its top-level imports light (click and envmgr's pure-Python
stages); conda-lock and rattler are imported inside the commands that need them.
"""
from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import EnvmgrError


class EnvmgrGroup(click.Group):
    """Turns EnvmgrError into one line on stderr and its exit code, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except EnvmgrError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=EnvmgrGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="envmgr")
def cli():
    """Keep a matrix of PyTorch conda environments side by side: validated, locked, reproducible.

    \b
    Typical flow:
      envmgr new paper-2021 "torch 1.10 + cu102 + py3.7"   write envs/paper-2021.yaml
      envmgr check                                        validate every spec
      envmgr render paper-2021                            lockfiles/paper-2021.environment.yml
      envmgr lock paper-2021                              lockfiles/paper-2021.conda-lock.yml
      envmgr create paper-2021                            install it next to the others
      envmgr list                                         what exists, and whether it is fresh
    """


def _register() -> None:
    from . import core  # noqa: F401  (new, check, render, matrix)

    for module in ("engine", "envs", "host", "importer"):
        try:
            __import__(f"{__name__}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{module}":
                raise


_register()


def main() -> None:
    cli(prog_name="envmgr")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
