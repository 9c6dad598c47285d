"""The one entry point for ``-f/--file``: :func:`load_spec_files`.

Each file is recognised the way micromamba does it:

* a name ending in ``-lock.yml``/``-lock.yaml``/``-lock.json`` is a lock file (a YAML
  file holding ``version`` and ``package``/``environments`` is one too);
* a name ending in ``.yml``/``.yaml`` is an environment file (only one at a time);
* anything else is a text file: match specs, or packages after ``@EXPLICIT``.

The result merges all files: specs to solve (text and YAML files), or explicit
packages (``@EXPLICIT`` and lock files) to install as they are; mixing the two is an
error. Channels, the env name, variables and pip requirements come from the YAML file.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from umm.envfile import _yaml
from umm.envfile.errors import (ConflictingPackages, ExplicitWithSpecs, MultipleLockFiles,
                                MultipleYamlFiles, SpecFileNotFound)
from umm.envfile.explicit import ExplicitPackage
from umm.envfile.lockfile import CondaLock, LockSelection, is_lock_file_name, parse_json_lock
from umm.envfile.pip import PipRequest
from umm.envfile.textfile import SpecTextFile
from umm.envfile.yamlenv import EnvironmentFile
from umm.reporter import NULL, Reporter

YAML_SUFFIXES = (".yml", ".yaml")


class SpecFileResult:
    """What a set of spec files asks for (immutable).

    ``explicit`` is None unless an ``@EXPLICIT`` or lock file was given; then it is the
    packages to install, in file order, and ``specs`` is empty.
    """

    __slots__ = ("name", "prefix", "channels", "nodefaults", "specs", "explicit", "pip",
                 "variables", "platform", "sources")

    def __init__(self, *, name: Optional[str] = None, prefix: Optional[str] = None,
                 channels: Sequence[str] = (), nodefaults: bool = False,
                 specs: Sequence[str] = (), explicit: Optional[Sequence[ExplicitPackage]] = None,
                 pip: Sequence[PipRequest] = (), variables: Sequence[Tuple[str, str]] = (),
                 platform: Optional[str] = None, sources: Sequence[str] = ()) -> None:
        for key, value in (("name", name), ("prefix", prefix), ("channels", tuple(channels)),
                           ("nodefaults", bool(nodefaults)), ("specs", tuple(specs)),
                           ("explicit", tuple(explicit) if explicit is not None else None),
                           ("pip", tuple(pip)), ("variables", tuple(variables)),
                           ("platform", platform), ("sources", tuple(sources))):
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("SpecFileResult is immutable")

    @property
    def is_explicit(self) -> bool:
        return self.explicit is not None

    @property
    def has_pip(self) -> bool:
        return any(r.requirements for r in self.pip)

    def __repr__(self) -> str:
        what = f"explicit={len(self.explicit)}" if self.explicit is not None \
            else f"specs={list(self.specs)}"
        return f"SpecFileResult({what}, name={self.name!r}, channels={list(self.channels)})"


def _read(path: str) -> str:
    try:
        with open(path, "r", encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        raise SpecFileNotFound(path) from None
    except UnicodeDecodeError:
        raise SpecFileNotFound(path, "not a UTF-8 text file") from None
    except OSError as exc:
        raise SpecFileNotFound(path, exc.strerror or str(exc)) from None


def file_kind(path: str, text: str) -> str:
    """``lock``, ``yaml`` or ``text`` (see the module docstring)."""
    if is_lock_file_name(path):
        return "lock"
    if path.lower().endswith(YAML_SUFFIXES):
        try:
            doc = _yaml.load(text)
        except _yaml.YamlSyntaxError:
            return "yaml"  # the env-file parser reports the error
        if isinstance(doc, dict) and "version" in doc and ("package" in doc or
                                                           "environments" in doc):
            return "lock"
        return "yaml"
    return "text"


def read_lock(path: str, text: str, platform: str,
              categories: Optional[Sequence[str]] = None) -> LockSelection:
    """The selection of a lock file (conda-lock YAML or mambajs JSON) for ``platform``."""
    if path.lower().endswith(".json") or text.lstrip().startswith("{"):
        return parse_json_lock(text, path, platform)
    return CondaLock.parse(text, path).select(platform, categories)


class _Merger:
    def __init__(self) -> None:
        self.explicit: Optional[List[ExplicitPackage]] = None
        self.by_name: Dict[str, Tuple[ExplicitPackage, str]] = {}
        self.specs: List[str] = []
        self.spec_files: List[str] = []
        self.explicit_files: List[str] = []

    def add_explicit(self, pkgs: Sequence[ExplicitPackage], path: str) -> None:
        if self.explicit is None:
            self.explicit = []
        self.explicit_files.append(path)
        for pkg in pkgs:
            prev = self.by_name.get(pkg.name)
            if prev is not None:
                if prev[0].url != pkg.url:
                    raise ConflictingPackages(path, pkg.name, prev[0].url, pkg.url)
                continue
            self.by_name[pkg.name] = (pkg, path)
            self.explicit.append(pkg)

    def add_specs(self, specs: Sequence[str], path: str) -> None:
        self.specs.extend(specs)
        if specs:
            self.spec_files.append(path)


def load_spec_files(paths: Sequence[str], platform: str,
                    categories: Optional[Sequence[str]] = None,
                    reporter: Reporter = NULL) -> SpecFileResult:
    """Read every ``-f`` file for ``platform``; see the module docstring.

    ``categories`` selects lock-file categories (default ``["main"]``); ``reporter``
    gets a warning when an explicit file was written for another platform.
    """
    texts = [(p, _read(p)) for p in paths]
    kinds = [(p, t, file_kind(p, t)) for p, t in texts]
    yamls = [p for p, _, k in kinds if k == "yaml"]
    if len(yamls) > 1:
        raise MultipleYamlFiles(yamls)
    locks = [p for p, _, k in kinds if k == "lock"]
    if len(locks) > 1:
        raise MultipleLockFiles(locks)
    merged = _Merger()
    env: Optional[EnvironmentFile] = None
    pip: List[PipRequest] = []
    declared: Optional[str] = None
    for path, text, kind in kinds:
        base_dir = os.path.dirname(os.path.abspath(path))
        if kind == "lock":
            sel = read_lock(path, text, platform, categories)
            merged.add_explicit(sel.conda, path)
            declared = sel.platform
            if sel.pip:
                with_hash = all(p.sha256 for p in sel.pip)
                pip.append(PipRequest([p.requirement(with_hash) for p in sel.pip], base_dir,
                                      no_deps=True, source=path))
        elif kind == "yaml":
            env = EnvironmentFile.parse(text, path)
            merged.add_specs(env.specs(platform), path)
            reqs = env.pip_requirements(platform)
            if reqs:
                pip.append(PipRequest(reqs, base_dir, source=path))
        else:
            tf = SpecTextFile.parse(text, path)
            if tf.explicit is not None:
                if tf.platform and tf.platform != platform:
                    reporter.warning(f"{path} was written for {tf.platform}, installing it "
                                     f"for {platform}")
                declared = declared or tf.platform
                merged.add_explicit(tf.explicit, path)
            else:
                merged.add_specs(tf.specs, path)
    if merged.explicit is not None and merged.specs:
        raise ExplicitWithSpecs(", ".join(merged.explicit_files), merged.specs)
    name = prefix = None
    if env is not None and env.name:
        if env.name.startswith("/") or os.path.isabs(env.name):
            prefix = env.name
        else:
            name = env.name
    return SpecFileResult(
        name=name, prefix=prefix,
        channels=env.real_channels if env is not None else (),
        nodefaults=env.nodefaults if env is not None else False,
        specs=merged.specs, explicit=merged.explicit, pip=pip,
        variables=env.variables if env is not None else (), platform=declared,
        sources=[p for p, _ in texts])
