from __future__ import annotations

import os

import pytest

from umm.specs import Channel, ChannelContext, InvalidChannel, mask_credentials
from umm.specs.channel import path_to_url, url_to_path

CTX = ChannelContext()


def one(text: str, ctx: ChannelContext = CTX) -> Channel:
    chans = ctx.resolve(text)
    assert len(chans) == 1
    return chans[0]


def test_named_channel() -> None:
    c = one("conda-forge")
    assert c.canonical_name == "conda-forge" == str(c)
    assert c.base_url == "https://conda.anaconda.org/conda-forge"
    assert c.platforms is None and c.token is None
    assert c.platform_url("linux-64") == "https://conda.anaconda.org/conda-forge/linux-64"
    assert c.platform_urls(["linux-64"]) == [
        ("linux-64", "https://conda.anaconda.org/conda-forge/linux-64"),
        ("noarch", "https://conda.anaconda.org/conda-forge/noarch")]


def test_label_and_subdir() -> None:
    c = one("conda-forge/label/dev")
    assert c.canonical_name == "conda-forge/label/dev"
    assert c.base_url == "https://conda.anaconda.org/conda-forge/label/dev"
    c = one("conda-forge/linux-64")
    assert c.canonical_name == "conda-forge" and c.platforms == ("linux-64", "noarch")
    c = one("conda-forge[osx-arm64]")
    assert c.platforms == ("osx-arm64",)
    with pytest.raises(InvalidChannel):
        CTX.resolve("conda-forge[sparc]")


def test_defaults_multichannel() -> None:
    names = [c.canonical_name for c in CTX.resolve("defaults")]
    assert names == ["pkgs/main", "pkgs/r"]
    assert CTX.resolve("defaults")[0].base_url == "https://repo.anaconda.com/pkgs/main"
    assert one("pkgs/main").base_url == "https://repo.anaconda.com/pkgs/main"
    win = ChannelContext(default_channels=["https://repo.anaconda.com/pkgs/main",
                                           "https://repo.anaconda.com/pkgs/msys2"])
    assert [c.canonical_name for c in win.resolve("defaults")] == ["pkgs/main", "pkgs/msys2"]


def test_custom_channels_and_multichannels() -> None:
    ctx = ChannelContext(channel_alias="https://mirror.example/conda",
                         custom_channels={"internal": "https://pkgs.corp.example/conda"},
                         custom_multichannels={"team": ["internal", "conda-forge"]})
    assert one("conda-forge", ctx).base_url == "https://mirror.example/conda/conda-forge"
    c = one("internal/label/beta", ctx)
    assert c.base_url == "https://pkgs.corp.example/conda/internal/label/beta"
    assert c.canonical_name == "internal/label/beta"
    assert one("https://pkgs.corp.example/conda/internal", ctx).canonical_name == "internal"
    assert one("https://mirror.example/conda/bioconda", ctx).canonical_name == "bioconda"
    assert [c.canonical_name for c in ctx.resolve("team")] == ["internal", "conda-forge"]
    loop = ChannelContext(custom_multichannels={"a": ["b"], "b": ["a"]})
    with pytest.raises(InvalidChannel):
        loop.resolve("a")


def test_urls() -> None:
    c = one("https://conda.anaconda.org/conda-forge")
    assert c.canonical_name == "conda-forge"
    c = one("http://conda.anaconda.org/conda-forge/")
    assert c.canonical_name == "conda-forge" and c.base_url == "http://conda.anaconda.org/conda-forge"
    c = one("https://example.com/channels/mine/linux-64")
    assert c.canonical_name == "https://example.com/channels/mine"
    assert c.platforms == ("linux-64", "noarch")
    assert c.platform_url("noarch") == "https://example.com/channels/mine/noarch"
    c = one("https://repo.anaconda.com/pkgs/main/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2")
    assert c.canonical_name == "pkgs/main" and c.package_filename == "zlib-1.2.11-h7b6447c_3.tar.bz2"
    assert c.platforms == ("linux-64",)
    with pytest.raises(InvalidChannel):
        CTX.resolve("https://")
    with pytest.raises(InvalidChannel):
        CTX.resolve("  ")


def test_token_is_kept_apart() -> None:
    c = one("https://conda.anaconda.org/t/tk-123-abc/conda-forge/linux-64")
    assert c.token == "tk-123-abc"
    assert c.base_url == "https://conda.anaconda.org/conda-forge"
    assert c.canonical_name == "conda-forge"
    assert "tk-123" not in str(c) and "tk-123" not in repr(c)
    assert c.platform_url("linux-64") == "https://conda.anaconda.org/conda-forge/linux-64"
    assert c.platform_url("linux-64", with_token=True) == \
        "https://conda.anaconda.org/t/tk-123-abc/conda-forge/linux-64"
    assert c.url_with_token == "https://conda.anaconda.org/t/tk-123-abc/conda-forge"
    # a token in the alias applies to every named channel
    ctx = ChannelContext(channel_alias="https://conda.anaconda.org/t/zzz")
    c = one("bioconda", ctx)
    assert c.token == "zzz" and c.base_url == "https://conda.anaconda.org/bioconda"
    assert c.platform_url("noarch", True) == "https://conda.anaconda.org/t/zzz/bioconda/noarch"


def test_basic_auth_is_kept_apart() -> None:
    c = one("https://user:s3cret@private.example.org/chan")
    assert c.auth == "user:s3cret"
    assert c.base_url == "https://private.example.org/chan"
    assert "s3cret" not in str(c) + repr(c)
    assert c.platform_url("linux-64", with_token=True) == \
        "https://user:s3cret@private.example.org/chan/linux-64"


def test_paths(tmp_path) -> None:
    ctx = ChannelContext(cwd=str(tmp_path))
    c = one("./local-chan", ctx)
    assert c.base_url == (tmp_path / "local-chan").as_uri()
    assert c.canonical_name == c.base_url and c.is_local
    assert one(str(tmp_path), ctx).base_url == tmp_path.as_uri()
    assert one(tmp_path.as_uri(), ctx).base_url == tmp_path.as_uri()
    home = os.path.expanduser("~")
    assert one("~/chan", ctx).base_url == path_to_url(os.path.join(home, "chan"))
    assert one("C:\\Users\\me\\chan", ctx).base_url == "file:///C:/Users/me/chan"
    assert path_to_url("/tmp/with space") == "file:///tmp/with%20space"
    assert url_to_path("file:///tmp/with%20space") == "/tmp/with space"
    assert url_to_path("file:///C:/x") == "C:/x"


def test_resolve_platforms_argument() -> None:
    c = CTX.resolve("conda-forge", platforms=["linux-64"])[0]
    assert c.platforms == ("linux-64",)
    assert CTX.resolve("conda-forge/osx-64", platforms=["linux-64"])[0].platforms == (
        "osx-64", "noarch")
    assert c.with_platforms(None).platforms is None


def test_value_semantics() -> None:
    assert one("conda-forge") == one("https://conda.anaconda.org/conda-forge")
    assert hash(one("conda-forge")) == hash(one("https://conda.anaconda.org/conda-forge/"))
    assert one("conda-forge") != one("bioconda")
    with pytest.raises(AttributeError):
        one("conda-forge").base_url = "x"  # type: ignore[misc]
    with pytest.raises(InvalidChannel):
        CTX.resolve_one("defaults")
    assert CTX.canonical_name("https://conda.anaconda.org/bioconda/noarch") == "bioconda"


@pytest.mark.parametrize("text,masked", [
    ("https://conda.anaconda.org/t/abc-123/conda-forge/linux-64",
     "https://conda.anaconda.org/t/***/conda-forge/linux-64"),
    ("https://user:pass@host.org/chan", "https://***@host.org/chan"),
    ("fetch https://u:p@h.org/t/tok/c failed", "fetch https://***@h.org/t/***/c failed"),
    ("https://h.org/t/tok", "https://h.org/t/***"),
    ("no url here", "no url here"),
])
def test_mask_credentials(text: str, masked: str) -> None:
    assert mask_credentials(text) == masked
