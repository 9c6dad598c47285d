"""`umm shell init/deinit/reinit`: the managed block in rc files."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.shell.conftest import make_env, need
from umm.shell.init import FileEdit, has_block, with_block, without_block
from umm.shell.shells import get_shell

BEGIN, END = "# >>> mamba initialize >>>", "# <<< mamba initialize <<<"
BLOCK = f"{BEGIN}\n# managed\nexport X=1\n{END}\n"
BASH = get_shell("bash")
PWSH = get_shell("powershell")

# rc files with LF or CRLF line ends
_text = st.builds(lambda t, crlf: t.replace("\n", "\r\n") if crlf else t,
                  st.text(alphabet=st.sampled_from(list("ab #\n>")), max_size=40), st.booleans())


@settings(max_examples=200, deadline=None)
@given(_text)
def test_block_round_trip(text):
    once = with_block(BASH, text, BLOCK)
    assert once.count(BEGIN) == 1
    assert with_block(BASH, once, BLOCK) == once          # idempotent
    assert without_block(BASH, once) == text              # deinit gives back the file


@settings(max_examples=100, deadline=None)
@given(_text, _text)
def test_block_in_the_middle(before, after):
    """A block the user wrote more lines after is removed without joining lines."""
    text = with_block(BASH, before, BLOCK) + after
    removed = without_block(BASH, text)
    assert BEGIN not in removed
    lines = (before + after).replace("\r", "").count("\n")
    assert removed.replace("\r", "").count("\n") >= lines - 1


def test_replaces_in_place_and_collapses_duplicates():
    old = f"top\n{BEGIN}\nold stuff\n{END}\nmiddle\n{BEGIN}\nmore\n{END}\nbottom\n"
    new = with_block(BASH, old, BLOCK)
    assert new == f"top\n{BLOCK}middle\nbottom\n"


def test_crlf_files_keep_crlf():
    text = "line1\r\nline2\r\n"
    out = with_block(BASH, text, BLOCK)
    assert "\r\n# managed\r\n" in out and "\n\n" not in out.replace("\r\n", "")
    assert without_block(BASH, out) == text


def test_powershell_region_markers():
    block = PWSH.init_block(_opts())
    assert block.startswith("#region mamba initialize\n") and block.endswith("#endregion\n")
    text = "Set-Location ~\n"
    assert without_block(PWSH, with_block(PWSH, text, block)) == text
    assert has_block(PWSH, with_block(PWSH, text, block))


def _opts():
    from umm.shell.exe import ExeCommand
    from umm.shell.shells.base import HookOptions

    return HookOptions(ExeCommand(["/x/umm"]), "/root")


def test_file_edit_diff_and_apply(tmp_path):
    path = tmp_path / "sub" / "rc"
    edit = FileEdit(str(path), None, "hello\n")
    assert edit.changed and "+hello" in edit.diff() and "/dev/null" in edit.diff()
    edit.apply()
    assert path.read_text() == "hello\n"
    FileEdit(str(path), "hello\n", None).apply()
    assert not path.exists()
    assert FileEdit(str(path), "a", "a").diff() == ""


# -- through the CLI ---------------------------------------------------------------------
def _init(umm_env, *args):
    return umm_env.run("shell", *args, check=True)


def test_init_twice_one_block_deinit_exact(umm_env):
    rc = umm_env.home / ".bashrc"
    original = "# my bashrc\nalias ll='ls -l'\n"
    rc.write_text(original)
    _init(umm_env, "init", "-s", "bash")
    first = rc.read_text()
    _init(umm_env, "init", "-s", "bash")
    second = rc.read_text()
    assert first == second and second.count(BEGIN) == 1 and second.count(END) == 1
    assert second.startswith(original)
    assert f"export MAMBA_ROOT_PREFIX='{umm_env.root_prefix}';" in second
    assert "managed by 'umm shell init'" in second
    out = _init(umm_env, "deinit", "-s", "bash").stdout
    assert rc.read_text() == original
    assert ".bashrc" in out
    again = _init(umm_env, "deinit", "-s", "bash").stdout
    assert "nothing to do" in again and rc.read_text() == original


def test_init_creates_missing_rc_and_deinit_empties_it(umm_env):
    rc = umm_env.home / ".zshrc"
    _init(umm_env, "init", "-s", "zsh", "-r", str(umm_env.root_prefix))
    assert rc.read_text().startswith(BEGIN)
    _init(umm_env, "deinit", "-s", "zsh")
    assert rc.read_text() == ""


def test_dry_run_shows_diff_and_writes_nothing(umm_env):
    rc = umm_env.home / ".bashrc"
    rc.write_text("x\n")
    out = umm_env.run("shell", "init", "-s", "bash", "--dry-run", check=True).stdout
    assert f"+{BEGIN}" in out and str(rc) in out and "Dry run" in out
    assert rc.read_text() == "x\n"
    _init(umm_env, "init", "-s", "bash")
    out = umm_env.run("shell", "deinit", "-s", "bash", "--dry-run", check=True).stdout
    assert f"-{BEGIN}" in out and BEGIN in rc.read_text()


def test_root_prefix_positional_and_block_update(umm_env, tmp_path):
    rc = umm_env.home / ".bashrc"
    _init(umm_env, "init", "-s", "bash", str(tmp_path / "r1"))
    assert str(tmp_path / "r1") in rc.read_text()
    assert (tmp_path / "r1" / "conda-meta").is_dir()  # the root prefix is created
    _init(umm_env, "init", "-s", "bash", "-r", str(tmp_path / "r2"))
    text = rc.read_text()
    assert str(tmp_path / "r2") in text and str(tmp_path / "r1") not in text
    assert text.count(BEGIN) == 1


def test_rc_locations_follow_xdg_and_zdotdir(umm_env, tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "ZDOTDIR": str(tmp_path / "zd")}
    umm_env.run("shell", "init", "-s", "fish", env=env, check=True)
    umm_env.run("shell", "init", "-s", "zsh", env=env, check=True)
    umm_env.run("shell", "init", "-s", "nu", env=env, check=True)
    umm_env.run("shell", "init", "-s", "xonsh", env=env, check=True)
    umm_env.run("shell", "init", "-s", "powershell", env=env, check=True)
    assert BEGIN in (tmp_path / "xdg" / "fish" / "config.fish").read_text()
    assert BEGIN in (tmp_path / "zd" / ".zshrc").read_text()
    assert BEGIN in (tmp_path / "xdg" / "nushell" / "config.nu").read_text()
    assert BEGIN in (umm_env.home / ".xonshrc").read_text()
    profile = tmp_path / "xdg" / "powershell" / "profile.ps1"
    if profile.exists():  # no PowerShell installed: the default location
        assert "#region mamba initialize" in profile.read_text()
        umm_env.run("shell", "deinit", "-s", "powershell", env=env, check=True)
        assert not profile.exists()  # a profile holding only the block is removed


def test_tcsh_init_writes_dispatcher_and_deinit_removes_it(umm_env):
    _init(umm_env, "init", "-s", "tcsh")
    dispatcher = umm_env.root_prefix / "etc" / "profile.d" / "umm.csh"
    assert dispatcher.exists()
    assert f'source "{dispatcher}"' in (umm_env.home / ".tcshrc").read_text()
    _init(umm_env, "deinit", "-s", "tcsh")
    assert not dispatcher.exists() and (umm_env.home / ".tcshrc").read_text() == ""


def test_reinit_refreshes_every_initialized_shell(umm_env, tmp_path):
    _init(umm_env, "init", "-s", "bash")
    _init(umm_env, "init", "-s", "fish")
    new_root = tmp_path / "newroot"
    umm_env.run("shell", "reinit", "-r", str(new_root), check=True)
    assert str(new_root) in (umm_env.home / ".bashrc").read_text()
    assert str(new_root) in (umm_env.home / ".config" / "fish" / "config.fish").read_text()
    assert not (umm_env.home / ".zshrc").exists()


def test_cmd_exe_init_needs_windows(umm_env):
    proc = umm_env.run("shell", "init", "-s", "cmd.exe")
    assert proc.returncode == 1 and "only supported on Windows" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_shell_is_usage_error(umm_env):
    proc = umm_env.run("shell", "init", "-s", "cobol")
    assert proc.returncode == 2 and "unknown shell 'cobol'" in proc.stderr


def test_initialized_bashrc_really_works(umm_env, tmp_path):
    """A login-less bash that sources the initialized .bashrc gets a working `umm`."""
    bash = need("bash")
    make_env(umm_env.root_prefix / "envs" / "demo", "demoprog")
    _init(umm_env, "init", "-s", "bash")
    script = ('source ~/.bashrc\numm activate demo\ncommand -v demoprog\n'
              'echo "prompt=$CONDA_PROMPT_MODIFIER"\n')
    proc = subprocess.run([bash, "--norc", "-c", script], capture_output=True, text=True,
                          env=umm_env.environ, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == str(umm_env.root_prefix / "envs/demo/bin/demoprog")
    assert "prompt=(demo) " in proc.stdout


@pytest.mark.parametrize("shell", ["fish", "tcsh"])
def test_initialized_rc_works_fish_tcsh(umm_env, shell):
    exe = need(shell)
    make_env(umm_env.root_prefix / "envs" / "demo", "demoprog")
    _init(umm_env, "init", "-s", shell)
    if shell == "fish":
        argv = [exe, "-c",
                "source ~/.config/fish/config.fish; umm activate demo; command -v demoprog"]
    else:
        script = Path(umm_env.home) / "t.csh"
        script.write_text("source ~/.tcshrc\numm activate demo\nwhich demoprog\n")
        argv = [exe, "-f", str(script)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=umm_env.environ, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert str(umm_env.root_prefix / "envs/demo/bin/demoprog") in proc.stdout
