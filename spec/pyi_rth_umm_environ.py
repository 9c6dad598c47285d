"""PyInstaller runtime hook: give child processes the user's environment back.

The onefile bootloader unpacks the bundle into a private directory, prepends it
to ``LD_LIBRARY_PATH`` (keeping the user's value in ``LD_LIBRARY_PATH_ORIG``) and
sets ``_PYI_*`` variables for itself. Programs umm starts (link scripts, ``umm run``, a
shell running the activation hook, another umm) must not see either: the bundled
libssl/libz would shadow an environment's own libraries, and a child umm would
try to reuse an unpack directory that disappears when this process exits.
Runs before any umm code; costs a few dict operations.
"""
import os
import sys


def _restore_environ() -> None:
    env = os.environ
    bundle = getattr(sys, "_MEIPASS", None)
    original = env.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        env["LD_LIBRARY_PATH"] = original
    elif bundle and "LD_LIBRARY_PATH" in env:
        kept = [p for p in env["LD_LIBRARY_PATH"].split(os.pathsep)
                if p and os.path.normpath(p) != os.path.normpath(bundle)]
        if kept:
            env["LD_LIBRARY_PATH"] = os.pathsep.join(kept)
        else:
            del env["LD_LIBRARY_PATH"]
    # The bootloader's own state: without it a umm started by this umm is a new,
    # independent instance (what PYINSTALLER_RESET_ENVIRONMENT=1 would also do).
    for name in [k for k in env if k.startswith("_PYI_")]:
        del env[name]


_restore_environ()
del _restore_environ
