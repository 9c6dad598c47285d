"""The frozen parameter objects consumers receive, and channel resolution for `info`."""
from __future__ import annotations

import dataclasses
import os

import pytest

from umm.config import params as P
from umm.config.channels import channel_urls, multichannels


def test_prefixes(layout):
    e1, e2 = layout.base / "e1", layout.base / "e2"
    layout.write(layout.home / ".condarc", f"envs_dirs: [{e1}, {e2}]\n")
    (layout.base / "e2" / "foo").mkdir(parents=True)
    cfg = layout.load({"env_name": "foo"})
    px = P.prefixes(cfg)
    assert px.target_prefix == str(layout.base / "e2" / "foo") and px.target_name == "foo"
    assert px.envs_dirs == (str(layout.base / "e1"), str(layout.base / "e2"))
    assert px.first_writable_envs_dir == str(layout.base / "e1")
    assert px.prefix_for_name("new") == str(layout.base / "e1" / "new")
    assert px.first_writable_pkgs_dir == str(layout.root / "pkgs")
    with pytest.raises(dataclasses.FrozenInstanceError):
        px.root_prefix = "/"  # type: ignore[misc]
    hash(px)


def test_config_is_a_mapping_for_from_config_consumers(layout):
    layout.write(layout.home / ".condarc",
                 "ssl_verify: false\nclient_cert: ~/cert.pem\nremote_max_retries: 7\n"
                 "proxy_servers: {https: http://proxy:3128}\n")
    cfg = layout.load()
    # how umm.net.NetworkOptions.from_config / RepodataOptions.from_config read it
    assert cfg.get("ssl_verify") is False and cfg["remote_max_retries"] == 7
    assert cfg.get("client_cert") == str(layout.home / "cert.pem")  # alias of client_ssl_cert
    assert cfg["client_ssl_cert"] == cfg["client_cert"]
    assert cfg.get("user_agent") is None and cfg.get("nope", 3) == 3
    assert "proxy_servers" in cfg and "client_key" in cfg and "nope" not in cfg
    with pytest.raises(KeyError):
        cfg["nope"]
    assert dict(cfg)["proxy_servers"] == {"https": "http://proxy:3128"}
    assert len(cfg) == len(list(cfg)) and list(cfg)[0] == "root_prefix"
    assert P.user_agent().startswith("umm/")


def test_network_and_repodata_options_from_config(layout):
    net = pytest.importorskip("umm.net")
    repodata = pytest.importorskip("umm.repodata.options")
    layout.write(layout.home / ".condarc", "ssl_verify: false\nremote_max_retries: 7\n"
                                           "use_sharded_repodata: true\n")
    cfg = layout.load()
    opts = net.NetworkOptions.from_config(cfg)
    assert opts.ssl_verify is False and opts.max_retries == 7
    assert repodata.RepodataOptions.from_config(cfg).use_sharded_repodata is True


def test_link_solver_output_options(layout):
    layout.write(layout.home / ".condarc",
                 "always_copy: true\nsafety_checks: enabled\nextract_threads: -1\n"
                 "pinned_packages: [python=3.11]\nchannel_priority: strict\n")
    cfg = layout.load({"no_deps": True, "compile_pyc": False, "always_yes": True, "verbose": 1})
    link = P.link_options(cfg)
    assert link.always_copy and link.safety_checks == "enabled" and not link.compile_pyc
    assert link.extract_threads == max(1, (os.cpu_count() or 1) - 1)
    solver = P.solver_options(cfg)
    assert solver.no_deps and solver.channel_priority == "strict"
    assert solver.pinned_packages == ("python=3.11",)
    out = P.output_options(cfg)
    assert out.always_yes and out.log_level == "info" and out.verbose == 1
    assert P.shell_options(cfg).env_prompt == "({default_env}) "


def test_effective_threads():
    cpus = os.cpu_count() or 1
    assert P.effective_threads(3) == 3
    assert P.effective_threads(0) == cpus
    assert P.effective_threads(-1000) == 1


def test_channel_urls(layout):
    layout.write(layout.home / ".condarc",
                 "channels: [conda-forge, mine, defaults, https://user:pw@host.example/t/tok123/c, "
                 "./local-chan, conda-forge/label/dev]\n"
                 "custom_channels: {mine: https://private.example/conda}\n"
                 "default_channels: [https://repo.example/pkgs/main]\n")
    cfg = layout.load({"platform": "linux-aarch64"})
    assert channel_urls(cfg) == [
        "https://conda.anaconda.org/conda-forge/linux-aarch64",
        "https://conda.anaconda.org/conda-forge/noarch",
        "https://private.example/conda/mine/linux-aarch64",
        "https://private.example/conda/mine/noarch",
        "https://repo.example/pkgs/main/linux-aarch64",
        "https://repo.example/pkgs/main/noarch",
        "https://host.example/c/linux-aarch64",
        "https://host.example/c/noarch",
        f"file://{layout.base}/local-chan/linux-aarch64",
        f"file://{layout.base}/local-chan/noarch",
        "https://conda.anaconda.org/conda-forge/label/dev/linux-aarch64",
        "https://conda.anaconda.org/conda-forge/label/dev/noarch",
    ]


def test_multichannels(layout):
    (layout.root / "conda-bld").mkdir()
    layout.write(layout.home / ".condarc", "custom_multichannels: {both: [a, b]}\n"
                                           "default_channels: [https://repo.example/main]\n")
    cfg = layout.load()
    multi = multichannels(cfg)
    assert multi["both"] == ["a", "b"] and multi["local"] == [str(layout.root / "conda-bld")]
    assert channel_urls(cfg, ["both", "defaults", "local"], platform="osx-64") == [
        "https://conda.anaconda.org/a/osx-64", "https://conda.anaconda.org/a/noarch",
        "https://conda.anaconda.org/b/osx-64", "https://conda.anaconda.org/b/noarch",
        "https://repo.example/main/osx-64", "https://repo.example/main/noarch",
        f"file://{layout.root}/conda-bld/osx-64", f"file://{layout.root}/conda-bld/noarch"]
    assert channel_urls(cfg, ["https://x.example/ch/linux-64"]) == [
        "https://x.example/ch/linux-64", "https://x.example/ch/noarch"]
