"""Nuitka user plugin for umm: strip debug info from the standalone distribution.

Wheels and the interpreter's lib-dynload often ship extension modules with full
debug info (zstandard's are 12 MB each, 1 MB stripped). Nuitka copies them as
they are; PyInstaller strips them (``strip=True`` in spec/umm.spec). This plugin
runs ``strip --strip-debug`` on every ELF file of the distribution folder after
Nuitka assembles it and before the onefile payload is packed, so the onefile
has less to unpack and to checksum on every start.

Used by build/build.sh as ``--user-plugin=spec/nuitka_umm_plugin.py``.
"""
import os
import shutil
import subprocess

from nuitka.plugins.PluginBase import NuitkaPluginBase


def _is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


class NuitkaPluginUmmStrip(NuitkaPluginBase):
    plugin_name = "umm-strip"
    plugin_desc = "Strip debug info from the shared libraries of the distribution."

    @staticmethod
    def isAlwaysEnabled():
        return True

    def onStandaloneDistributionFinished(self, dist_dir):
        strip = shutil.which("strip")
        if strip is None:
            self.warning("no 'strip' program: the distribution keeps its debug info")
            return
        before = after = 0
        for root, _dirs, files in os.walk(dist_dir):
            for name in files:
                path = os.path.join(root, name)
                if os.path.islink(path) or not _is_elf(path):
                    continue
                before += os.path.getsize(path)
                subprocess.run([strip, "--strip-debug", path], check=True)
                after += os.path.getsize(path)
        self.info("stripped debug info: %.1f MB -> %.1f MB" % (before / 1e6, after / 1e6))
