"""`umm shell`: init/deinit/reinit rc files, print the hook, and the activation code
the hook evaluates (activate/reactivate/deactivate). Without an action,
`umm shell [-n NAME | -p PATH]` starts $SHELL with the environment activated."""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Sequence

ACTIONS = (
    ("init", "Add initialization in script to rc files"),
    ("deinit", "Remove activation script from rc files"),
    ("reinit", "Restore activation script from rc files"),
    ("hook", "Print the shell hook (defines the `umm` shell function)"),
    ("activate", "Output activation code for the given shell"),
    ("reactivate", "Output reactivation code for the given shell"),
    ("deactivate", "Output deactivation code for the given shell"),
    ("enable_long_path_support", "Enable long path support on Windows"),
)
SHELL_HELP = "shell type: bash, zsh, fish, xonsh, cmd.exe, powershell, posix, dash, tcsh, csh, nu"


def _add_shell_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("-s", "--shell", dest="shell_type", default=argparse.SUPPRESS,
                   metavar="SHELL", help=SHELL_HELP)


def _add_prefix_options(p: argparse.ArgumentParser, positional_help: str) -> None:
    p.add_argument("prefix_or_name", nargs="?", default=argparse.SUPPRESS,
                   metavar="ENV", help=positional_help)
    p.add_argument("-p", "--prefix", dest="target_prefix", default=argparse.SUPPRESS,
                   metavar="PATH", help="path of the environment")
    p.add_argument("-n", "--name", dest="env_name", default=argparse.SUPPRESS,
                   metavar="NAME", help="name of the environment")


def configure(p: argparse.ArgumentParser) -> None:
    from umm.cli import common

    p.set_defaults(shell_type=None, target_prefix=None, env_name=None, prefix_or_name=None,
                   shell_action=None, stack=False, root_prefix_pos=None)
    _add_shell_option(p)
    p.add_argument("-p", "--prefix", dest="target_prefix", default=argparse.SUPPRESS,
                   metavar="PATH", help="environment to start $SHELL in (without ACTION)")
    p.add_argument("-n", "--name", dest="env_name", default=argparse.SUPPRESS,
                   metavar="NAME", help="environment to start $SHELL in (without ACTION)")
    sub = p.add_subparsers(dest="shell_action", metavar="ACTION", title="actions")
    for name, help_text in ACTIONS:
        sp = sub.add_parser(name, help=help_text, description=help_text)
        common.add_global_options(sp, suppress_defaults=True)
        if name != "enable_long_path_support":
            _add_shell_option(sp)
        if name in ("init", "deinit", "hook"):
            sp.add_argument("root_prefix_pos", nargs="?", default=argparse.SUPPRESS,
                            metavar="ROOT_PREFIX", help="root prefix (same as -r)")
        if name == "activate":
            _add_prefix_options(sp, "environment name or path (default: base)")
            sp.add_argument("--stack", action="store_true", default=argparse.SUPPRESS,
                            help="activate on top of the current environment instead of "
                                 "replacing it")


# -- helpers -------------------------------------------------------------------------
def reporter(quiet: bool = False):
    """Library warnings printed on stderr (until umm.ui provides a renderer)."""
    from umm.reporter import Reporter

    class StderrReporter(Reporter):
        def message(self, level: str, text: str) -> None:
            if level in ("warning", "error") and not quiet:
                sys.stderr.write(f"{level}: {text}\n")

    return StderrReporter()


def load(args: argparse.Namespace, fallbacks: Sequence[str] = ()):
    """(ShellSettings, target prefix or None) from the configuration (rc files, env vars,
    CLI); ``fallbacks`` as in umm.config.prefix (none: only -n/-p give a target)."""
    from umm.cli.context import load_config
    from umm.shell.settings import ShellSettings

    root = getattr(args, "root_prefix_pos", None)
    if root and root != "base":
        args.root_prefix = root
    cfg = load_config(args, fallbacks=fallbacks)
    # the values of umm.config.params.prefixes/shell_options, read directly: importing
    # params pulls in the network options (certifi), which activation does not need
    st = ShellSettings(cfg.get("root_prefix"), tuple(cfg.get("envs_dirs")),
                       changeps1=cfg.get("changeps1"), env_prompt=cfg.get("env_prompt"),
                       auto_activate_base=cfg.get("auto_activate_base"),
                       shell_completion=cfg.get("shell_completion"))
    return st, cfg.get("target_prefix")


def settings(args: argparse.Namespace):
    return load(args)[0]


def hook_options(args: argparse.Namespace, st=None):
    from umm.cli.main import COMMANDS
    from umm.shell.exe import self_command
    from umm.shell.shells.base import HookOptions

    st = st or settings(args)
    return HookOptions(self_command(), st.root_prefix, changeps1=st.changeps1,
                       auto_activate_base=st.auto_activate_base,
                       completion=st.shell_completion, commands=list(COMMANDS))


def shell_of(args: argparse.Namespace):
    from umm.shell.errors import ShellNotGuessed
    from umm.shell.guess import guess_shell
    from umm.shell.shells import get_shell

    name = getattr(args, "shell_type", None)
    if not name:
        name, parent = guess_shell(os.environ)
        if not name:
            raise ShellNotGuessed(parent)
    return get_shell(name)


def target_prefix(args: argparse.Namespace, st, named: Optional[str]) -> str:
    """-p/-n (resolved by the configuration), else the positional name or path, else base."""
    from umm.shell.settings import looks_like_path, resolve_prefix

    if named:
        return named
    pn = getattr(args, "prefix_or_name", None)
    if pn:
        return os.path.abspath(os.path.expanduser(pn)) if looks_like_path(pn) \
            else resolve_prefix(pn, st)
    return st.root_prefix


def _home() -> str:
    return os.environ.get("HOME") or os.path.expanduser("~")


# -- actions ---------------------------------------------------------------------------
def _print_edits(edits, dry_run: bool, verb: str) -> None:
    out = sys.stdout
    for e in edits:
        if not e.changed:
            out.write(f"{e.path} is already up to date\n" if verb == "init"
                      else f"No change needed in {e.path}\n")
            continue
        if dry_run:
            out.write(e.diff())
        elif e.after is None:
            out.write(f"Removing {e.path}\n")
        elif e.kind == "support":
            out.write(f"Writing {e.path}\n")
        else:
            out.write(f"Modifying RC file {e.path}\n")
    if dry_run:
        out.write("Dry run: no file was changed.\n")


def _init(args: argparse.Namespace) -> int:
    from umm.shell import init as shinit

    shell = shell_of(args)
    st = settings(args)
    opts = hook_options(args, st)
    edits = shinit.init_edits(shell, opts, _home(), os.environ)
    dry = bool(getattr(args, "dry_run", False))
    if not dry:
        sys.stdout.write(f"Generating config for root prefix {st.root_prefix}\n"
                         f"Setting umm executable to: {opts.exe.mamba_exe}\n")
    _print_edits(edits, dry, "init")
    if not dry:
        for e in edits:
            e.apply()
        if not os.path.exists(st.root_prefix):  # like micromamba: an empty base env
            os.makedirs(os.path.join(st.root_prefix, "conda-meta"), exist_ok=True)
    if shell.name == "cmd.exe":
        _cmd_autorun(opts, remove=False, dry=dry)
    return 0


def _deinit(args: argparse.Namespace) -> int:
    from umm.shell import init as shinit

    shell = shell_of(args)
    opts = hook_options(args)
    edits = shinit.deinit_edits(shell, opts, _home(), os.environ)
    dry = bool(getattr(args, "dry_run", False))
    if not any(e.kind == "rc" and e.changed for e in edits) and shell.name != "cmd.exe":
        sys.stdout.write("No mamba initialize block found, nothing to do.\n")
    _print_edits([e for e in edits if e.changed], dry, "deinit")
    if not dry:
        for e in edits:
            e.apply()
    if shell.name == "cmd.exe":
        _cmd_autorun(opts, remove=True, dry=dry)
    return 0


def _reinit(args: argparse.Namespace) -> int:
    from umm.shell import init as shinit
    from umm.shell.shells import get_shell

    shells = shinit.initialized_shells(_home(), os.environ)
    if not shells:
        sys.stdout.write("No initialized shell found; run `umm shell init -s SHELL` first.\n")
        return 0
    opts = hook_options(args)
    dry = bool(getattr(args, "dry_run", False))
    for name in shells:
        edits = shinit.init_edits(get_shell(name), opts, _home(), os.environ)
        _print_edits(edits, dry, "init")
        if not dry:
            for e in edits:
                e.apply()
    return 0


def _cmd_autorun(opts, remove: bool, dry: bool) -> None:
    from umm.shell.shells import cmdexe

    before, after = cmdexe.autorun_change(opts.root_prefix, remove)
    if before == after:
        sys.stdout.write("cmd.exe " + ("not initialized yet.\n" if remove
                                        else "already initialized.\n"))
        return
    sys.stdout.write(f"Setting cmd.exe AUTORUN to: {after}\n")
    if not dry:
        cmdexe.autorun_write(after)


def _hook(args: argparse.Namespace) -> int:
    from umm.shell.init import FileEdit, read_text

    shell = shell_of(args)
    opts = hook_options(args)
    for path, content in shell.files(opts):
        FileEdit(path, read_text(path), content, kind="support").apply()
    text = shell.hook(opts)
    if shell.name == "cmd.exe":
        from umm.shell.shells.cmdexe import hook_bat_path

        sys.stderr.write("Hook installed, now 'manually' execute:\n"
                         f'       CALL "{hook_bat_path(opts.root_prefix)}"\n')
        text = ""
    if getattr(args, "json", False):
        import json

        sys.stdout.write(json.dumps({"success": True, "operation": "shell_hook",
                                     "context": {"shell_type": shell.name},
                                     "actions": {"print": [text]}}, indent=2) + "\n")
    else:
        sys.stdout.write(text)
    return 0


def _activator(args: argparse.Namespace, shell, st):
    from umm.shell.activation import Activator

    return Activator(os.environ, st.root_prefix, script_exts=shell.script_exts,
                     prompt_var=shell.prompt_var, changeps1=st.changeps1,
                     env_prompt=st.env_prompt,
                     reporter=reporter(bool(getattr(args, "quiet", False))))


def _emit(shell, change) -> int:
    sys.stdout.write(shell.activation_output(change))
    return 0


def _activate(args: argparse.Namespace) -> int:
    from umm.shell.errors import PrefixNotFound

    shell = shell_of(args)
    st, named = load(args)
    prefix = target_prefix(args, st, named)
    if not os.path.isdir(prefix):
        raise PrefixNotFound(prefix)
    change = _activator(args, shell, st).activate(prefix, stack=bool(getattr(args, "stack", False)))
    return _emit(shell, change)


def _reactivate(args: argparse.Namespace) -> int:
    shell = shell_of(args)
    st = settings(args)
    return _emit(shell, _activator(args, shell, st).reactivate())


def _deactivate(args: argparse.Namespace) -> int:
    shell = shell_of(args)
    st = settings(args)
    return _emit(shell, _activator(args, shell, st).deactivate())


def _long_paths(args: argparse.Namespace) -> int:
    from umm.shell.shells import cmdexe

    cmdexe.enable_long_paths()
    sys.stdout.write("Windows long-path support enabled.\n")
    return 0


def _launch(args: argparse.Namespace) -> int:
    """`umm shell [-n NAME | -p PATH]`: a new interactive shell inside the environment."""
    from umm.shell.run import RunRequest, run_command

    st, named = load(args)
    prefix = target_prefix(args, st, named)
    shell = os.environ.get("SHELL") or ("cmd.exe" if os.name == "nt" else "/bin/sh")
    request = RunRequest(prefix, [shell], settings=st)
    return run_command(request, reporter=reporter()).exit_code


def run(args: argparse.Namespace) -> int:
    actions = {"init": _init, "deinit": _deinit, "reinit": _reinit, "hook": _hook,
               "activate": _activate, "reactivate": _reactivate, "deactivate": _deactivate,
               "enable_long_path_support": _long_paths}
    action = getattr(args, "shell_action", None)
    if action is None:
        return _launch(args)
    return actions[action](args)


def commands() -> List[str]:
    return [name for name, _ in ACTIONS]
