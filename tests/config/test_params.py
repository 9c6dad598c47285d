"""The frozen parameter objects consumers receive, and channel resolution for `info`."""
from __future__ import annotations

import dataclasses
import os

import pytest

from umm.config import params as P
from umm.config.channels import _resolve_urls, channel_urls, multichannels


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


def test_network_options(layout):
    layout.write(layout.home / ".condarc",
                 "ssl_verify: true\ncacert_path: ~/ca.pem\nremote_max_retries: 7\n"
                 "remote_connect_timeout_secs: 2.5\nproxy_servers:\n"
                 "  https://special.example: http://p1:8080\n  http: http://p2:3128\n")
    layout.environ.update({"https_proxy": "http://envproxy:1", "NO_PROXY": "internal.example,.lan"})
    net = P.network_options(layout.load())
    assert net.ssl_verify == str(layout.home / "ca.pem")
    assert (net.max_retries, net.connect_timeout) == (7, 2.5)
    assert net.user_agent.startswith("umm/")
    assert net.proxy_for("https://special.example/x") == "http://p1:8080"
    assert net.proxy_for("http://other.example/x") == "http://p2:3128"
    assert net.proxy_for("https://other.example/x") == "http://envproxy:1"
    assert net.proxy_for("https://repo.internal.example/x") is None
    assert net.proxy_for("http://box.lan/x") is None
    net2 = P.network_options(layout.load({"ssl_verify": "false"}))
    assert net2.ssl_verify is False
    # --no-env also drops the proxy variables
    assert dict(P.network_options(layout.load({"no_env": True})).proxy_servers) == {
        "https://special.example": "http://p1:8080", "http": "http://p2:3128"}


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
    rd = P.repodata_options(layout.load({"platform": "osx-arm64", "offline": True}))
    assert rd.subdirs == ("osx-arm64", "noarch") and rd.offline
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


def test_multichannels_and_explicit_subdir(layout):
    (layout.root / "conda-bld").mkdir()
    layout.write(layout.home / ".condarc", "custom_multichannels: {both: [a, b]}\n")
    cfg = layout.load()
    multi = multichannels(cfg)
    assert multi["both"] == ["a", "b"] and multi["local"] == [str(layout.root / "conda-bld")]
    assert "defaults" in multi
    urls = _resolve_urls("both", "https://alias", {}, multi, ["noarch"], "/", "/h")
    assert urls == ["https://alias/a/noarch", "https://alias/b/noarch"]
    assert _resolve_urls("https://x/ch/linux-64", "https://a", {}, {}, ["osx-64", "noarch"],
                         "/", "/h") == ["https://x/ch/linux-64"]
