"""Drive real shells: load the hook, activate, stack, deactivate twice.

Each scenario prints ``@@KEY=VALUE`` lines that the test checks: the program of
the activated env is found (``command -v``/``which``), the prompt shows the env,
activate.d/deactivate.d scripts and ``conda-meta/state`` variables are set and
unset, and after the last deactivate PATH and the prompt are byte-for-byte what
they were. Shells that are not installed are skipped (CI installs bash, zsh, dash,
fish and tcsh; xonsh runs where installed).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Dict

import pytest

from tests.shell.conftest import make_env, need

pytestmark = pytest.mark.shells

SCRIPT_EXT = {"bash": ".sh", "zsh": ".sh", "dash": ".sh", "fish": ".fish", "tcsh": ".csh",
              "xonsh": ".xsh"}


def _scripts(shell: str, name: str) -> Dict[str, str]:
    ext = SCRIPT_EXT[shell]
    var = f"UMM_T_ACT_{name.upper()}"
    if shell == "fish":
        on, off = f"set -gx {var} on-{name}\n", f"set -e {var}\nset -gx UMM_T_DEACT {name}\n"
    elif shell == "tcsh":
        on, off = f"setenv {var} on-{name}\n", f"unsetenv {var}\nsetenv UMM_T_DEACT {name}\n"
    elif shell == "xonsh":
        on, off = f"${var} = 'on-{name}'\n", f"del ${var}\n$UMM_T_DEACT = '{name}'\n"
    else:
        on, off = f"export {var}=on-{name}\n", f"unset {var}\nexport UMM_T_DEACT={name}\n"
    return {f"activate.d/x{ext}": on, f"deactivate.d/x{ext}": off}


def _posix(shell: str) -> str:
    show = ('echo "@@${1}:PATH=$PATH"; echo "@@${1}:PS1=$PS1"; '
            'echo "@@${1}:prog1=$(command -v prog1)"; echo "@@${1}:prog2=$(command -v prog2)"; '
            'echo "@@${1}:CONDA_PREFIX=${CONDA_PREFIX-<unset>}"; '
            'echo "@@${1}:CONDA_SHLVL=${CONDA_SHLVL-<unset>}"; '
            'echo "@@${1}:CONDA_DEFAULT_ENV=${CONDA_DEFAULT_ENV-<unset>}"; '
            'echo "@@${1}:STATE=${UMM_T_STATE-<unset>}"; '
            'echo "@@${1}:ACT1=${UMM_T_ACT_ENV1-<unset>}"; '
            'echo "@@${1}:ACT2=${UMM_T_ACT_ENV2-<unset>}"; '
            'echo "@@${1}:DEACT=${UMM_T_DEACT-<unset>}"')
    return f"""
show() {{ {show}; }}
. "$HOOK"
PS1='orig> '
show start
umm activate env1 || echo "@@fail:activate1"
show one
umm activate --stack env2 || echo "@@fail:activate2"
show two
umm deactivate || echo "@@fail:deactivate2"
show back
umm deactivate || echo "@@fail:deactivate1"
show end
umm activate env1 && umm activate env2
show replaced
umm deactivate; umm deactivate
show end2
umm activate missing-env
echo "@@missing:rc=$?"
"""


def _fish() -> str:
    return r"""
function show
    echo "@@$argv[1]:PATH="(string join : $PATH)
    echo "@@$argv[1]:PS1="(fish_prompt | string replace -ra '\e\[[0-9;]*m|\e\(B' '')
    set -l p1 (command -v prog1)
    set -l p2 (command -v prog2)
    echo "@@$argv[1]:prog1=$p1"
    echo "@@$argv[1]:prog2=$p2"
    for v in CONDA_PREFIX CONDA_SHLVL CONDA_DEFAULT_ENV
        if set -q $v; echo "@@$argv[1]:$v=$$v"; else; echo "@@$argv[1]:$v=<unset>"; end
    end
    for pair in STATE:UMM_T_STATE ACT1:UMM_T_ACT_ENV1 ACT2:UMM_T_ACT_ENV2 DEACT:UMM_T_DEACT
        set -l k (string split : $pair)
        if set -q $k[2]; echo "@@$argv[1]:$k[1]=$$k[2]"; else; echo "@@$argv[1]:$k[1]=<unset>"; end
    end
end
function fish_prompt
    echo -n 'orig> '
end
source $HOOK
show start
umm activate env1; or echo "@@fail:activate1"
show one
umm activate --stack env2; or echo "@@fail:activate2"
show two
umm deactivate; or echo "@@fail:deactivate2"
show back
umm deactivate; or echo "@@fail:deactivate1"
show end
umm activate env1; and umm activate env2
show replaced
umm deactivate; umm deactivate
show end2
umm activate missing-env
echo "@@missing:rc=$status"
"""


def _tcsh() -> str:
    lines = ['set prompt = "orig> "', 'source "$HOOK"']

    def show(tag: str) -> None:
        lines.extend([
            f'echo "@@{tag}:PATH=$PATH"',
            f'echo "@@{tag}:PS1=$prompt"',
            f'echo "@@{tag}:prog1=`which prog1 |& grep /`"',
            f'echo "@@{tag}:prog2=`which prog2 |& grep /`"',
        ])
        for key, var in (("CONDA_PREFIX", "CONDA_PREFIX"), ("CONDA_SHLVL", "CONDA_SHLVL"),
                         ("CONDA_DEFAULT_ENV", "CONDA_DEFAULT_ENV"), ("STATE", "UMM_T_STATE"),
                         ("ACT1", "UMM_T_ACT_ENV1"), ("ACT2", "UMM_T_ACT_ENV2"),
                         ("DEACT", "UMM_T_DEACT")):
            lines.append(f'if ( $?{var} ) then\n    echo "@@{tag}:{key}=${var}"\nelse\n'
                         f'    echo "@@{tag}:{key}=<unset>"\nendif')

    show("start")
    lines.append("umm activate env1")
    show("one")
    lines.append("umm activate --stack env2")
    show("two")
    lines.append("umm deactivate")
    show("back")
    lines.append("umm deactivate")
    show("end")
    lines += ["umm activate env1", "umm activate env2"]
    show("replaced")
    lines += ["umm deactivate", "umm deactivate"]
    show("end2")
    lines += ["umm activate missing-env", 'echo "@@missing:rc=$status"']
    return "\n".join(lines) + "\n"


def _xonsh() -> str:
    return r"""
import shutil as _sh


def show(tag):
    env = __xonsh__.env.detype()
    path = env.get('PATH', '')
    print(f"@@{tag}:PATH={path}")
    print(f"@@{tag}:PS1=" + $PROMPT_FIELDS['env_name']() + "orig> ")
    print(f"@@{tag}:prog1=" + (_sh.which('prog1', path=path) or ''))
    print(f"@@{tag}:prog2=" + (_sh.which('prog2', path=path) or ''))
    for key, var in (("CONDA_PREFIX", "CONDA_PREFIX"), ("CONDA_SHLVL", "CONDA_SHLVL"),
                     ("CONDA_DEFAULT_ENV", "CONDA_DEFAULT_ENV"), ("STATE", "UMM_T_STATE"),
                     ("ACT1", "UMM_T_ACT_ENV1"), ("ACT2", "UMM_T_ACT_ENV2"),
                     ("DEACT", "UMM_T_DEACT")):
        print(f"@@{tag}:{key}=" + env.get(var, "<unset>"))


execx(open($HOOK).read())
show("start")
umm activate env1
show("one")
umm activate --stack env2
show("two")
umm deactivate
show("back")
umm deactivate
show("end")
umm activate env1
umm activate env2
show("replaced")
umm deactivate
umm deactivate
show("end2")
rc = ![umm activate missing-env].returncode
print(f"@@missing:rc={rc}")
"""


def _argv(shell: str, script: Path):
    exe = need(shell)
    if shell == "bash":
        return [exe, "--norc", "--noprofile", str(script)]
    if shell == "zsh":
        return [exe, "-f", str(script)]
    if shell == "fish":
        return [exe, "--no-config", str(script)]
    if shell == "tcsh":
        return [exe, "-f", str(script)]
    if shell == "xonsh":
        return [exe, "--no-rc", str(script)]
    return [exe, str(script)]


def _parse(out: str) -> Dict[str, Dict[str, str]]:
    result: Dict[str, Dict[str, str]] = {}
    for line in out.splitlines():
        if not line.startswith("@@") or ":" not in line:
            continue
        tag, rest = line[2:].split(":", 1)
        key, _, value = rest.partition("=")
        result.setdefault(tag, {})[key] = value
    return result


@pytest.mark.parametrize("shell", ["bash", "zsh", "dash", "fish", "tcsh", "xonsh"])
def test_activate_stack_deactivate(shell, umm_env, tmp_path):
    need(shell)
    root = umm_env.root_prefix
    env1 = make_env(root / "envs" / "env1", "prog1", scripts=_scripts(shell, "env1"),
                    env_vars={"umm_t_state": "one 'quoted' $value"})
    env2 = make_env(root / "envs" / "env2", "prog2", scripts=_scripts(shell, "env2"),
                    env_vars={"UMM_T_STATE": "two"})
    hook_shell = "posix" if shell == "dash" else shell
    hook = umm_env.run("shell", "hook", "-s", hook_shell, check=True).stdout
    hook_file = tmp_path / f"hook.{shell}"
    hook_file.write_text(hook)
    body = {"fish": _fish, "tcsh": _tcsh, "xonsh": _xonsh}.get(shell, lambda: _posix(shell))()
    script = tmp_path / f"scenario.{shell}"
    script.write_text(body)
    # a PATH with a space, a duplicate and env1's bin already at the end
    base_path = umm_env.environ["PATH"]
    path = f"{tmp_path / 'dir with space'}:{base_path}:/usr/bin:{env1 / 'bin'}"
    environ = dict(umm_env.environ, PATH=path, HOOK=str(hook_file), SHELL=shutil.which(shell))
    proc = subprocess.run(_argv(shell, script), capture_output=True, text=True, env=environ,
                          cwd=str(tmp_path), timeout=300)
    r = _parse(proc.stdout)
    info = f"\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    assert "fail" not in r, info
    start, one, two, back, end = r["start"], r["one"], r["two"], r["back"], r["end"]

    assert start["PATH"] == path, info
    assert start["CONDA_SHLVL"] == "0" and start["CONDA_PREFIX"] == "<unset>", info
    # env1 active
    assert one["PATH"] == f"{env1}/bin:{path}", info
    assert one["prog1"] == f"{env1}/bin/prog1" and one["prog2"] == "", info
    assert one["PS1"].startswith("(env1) ") and one["PS1"].endswith("orig> "), info
    assert (one["CONDA_PREFIX"], one["CONDA_SHLVL"], one["CONDA_DEFAULT_ENV"]) == \
        (str(env1), "1", "env1"), info
    assert one["STATE"] == "one 'quoted' $value" and one["ACT1"] == "on-env1", info
    # env2 stacked on env1
    assert two["PATH"] == f"{env2}/bin:{env1}/bin:{path}", info
    assert two["prog2"] == f"{env2}/bin/prog2" and two["prog1"] == f"{env1}/bin/prog1", info
    assert two["PS1"].startswith("(env2) ") and "(env1)" not in two["PS1"], info
    assert two["CONDA_SHLVL"] == "2" and two["STATE"] == "two", info
    assert two["ACT1"] == "on-env1" and two["ACT2"] == "on-env2", info
    # back to env1
    assert back["PATH"] == one["PATH"] and back["PS1"] == one["PS1"], info
    assert back["prog2"] == "" and back["CONDA_PREFIX"] == str(env1), info
    assert back["STATE"] == "one 'quoted' $value", info
    assert back["ACT2"] == "<unset>" and back["DEACT"] == "env2", info
    # back to nothing, byte for byte
    assert end["PATH"] == path, info
    assert end["PS1"] == start["PS1"], info
    assert end["prog1"] == f"{env1}/bin/prog1" or end["prog1"] == "", info
    assert end["CONDA_PREFIX"] == "<unset>" and end["CONDA_DEFAULT_ENV"] == "<unset>", info
    assert end["CONDA_SHLVL"] == "0", info
    assert end["STATE"] == "<unset>" and end["ACT1"] == "<unset>", info
    assert end["DEACT"] == "env1", info
    # activate without --stack replaces: env1's program is gone
    replaced = r["replaced"]
    assert replaced["PATH"] == f"{env2}/bin:{path}", info
    assert replaced["prog2"] == f"{env2}/bin/prog2", info
    assert replaced["ACT1"] == "<unset>" and replaced["ACT2"] == "on-env2", info
    assert r["end2"]["PATH"] == path and r["end2"]["PS1"] == start["PS1"], info
    # a missing env: error, non-zero, nothing changed
    assert r["missing"]["rc"] != "0", info
    assert "Cannot activate, prefix does not exist" in proc.stderr, info
