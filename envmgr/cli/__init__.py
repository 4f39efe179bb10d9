"""The command line: a thin click shell over the stage modules.

Each command module keeps its top-level imports light (click and envmgr's pure-Python
stages); conda-lock and rattler are imported inside the commands that need them.
"""
from __future__ import annotations

import importlib
import sys

import click

from .. import __version__
from ..errors import EnvmgrError


# Each command's module, imported only when that command runs (or for --help): every module
# imported at startup costs every command, and `envmgr check` must start fast.
COMMAND_MODULES = {
    "new": "new", "check": "core", "render": "core", "matrix": "core",
    "lock": "engine",
    "create": "envs", "list": "envinfo", "remove": "envinfo", "verify": "verify",
    "doctor": "host",
    "import": "importer",
    "run": "use", "shell": "use", "shell-hook": "use",
    "add": "edit", "remove-package": "edit",
    "pack": "beyond", "export": "beyond", "ci": "beyond",
    "knowledge": "knowledge",
}


def os_error_line(exc: OSError) -> str:
    from .output import shown_path

    what = exc.strerror or type(exc).__name__
    where = f"{shown_path(exc.filename)}: " if exc.filename else ""
    return (f"{where}{what.lower()} (fix: check that the folder exists, is a folder, and that you "
            "may write there)")


def _asks_json(argv: list[str]) -> bool:
    """``--json`` among envmgr's own arguments (not after ``--``, where `run`'s command begins)."""
    own = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in own


class EnvmgrGroup(click.Group):
    """Loads commands lazily, and turns EnvmgrError into one line on stderr and its exit code,
    never a traceback."""

    def list_commands(self, ctx):
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMAND_MODULES:
            importlib.import_module(f"{__name__}.{COMMAND_MODULES[name]}")
        return self.commands.get(name)

    def resolve_command(self, ctx, args):
        # click says only "No such command"; name the nearest one, as git and pixi do
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib

            nearest = difflib.get_close_matches(name, self.list_commands(ctx), n=1, cutoff=0.6)
            hint = f" Did you mean '{nearest[0]}'?" if nearest else ""
            ctx.fail(f"No such command '{name}'.{hint} (`envmgr --help` lists the commands)")
        return super().resolve_command(ctx, args)

    def parse_args(self, ctx, args):
        ctx.meta["envmgr.argv"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except EnvmgrError as err:
            if _asks_json(ctx.meta.get("envmgr.argv", [])):
                # the last net for --json: a failure no command turned into its own JSON (a
                # damaged knowledge overlay, say) is still one JSON object on stdout
                from .output import emit_json, error_problem

                emit_json({"ok": False, "problems": [error_problem(err)]})
            else:
                click.echo(f"error: {err}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except OSError as exc:
            # The last net for the file system saying no (read-only folder, a file where a folder
            # belongs, a full disk): one line naming the path, never a traceback. Errors envmgr
            # foresees are EnvmgrErrors with a better fix; this only catches what slipped past.
            click.echo(f"error: {os_error_line(exc)}", err=True)
            ctx.exit(1)


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
      envmgr run paper-2021 -- python train.py            run inside it (creates it if needed)
    """


def main() -> None:
    cli(prog_name="envmgr")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
