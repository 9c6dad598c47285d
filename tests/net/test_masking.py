from __future__ import annotations

import pytest

from umm.net.masking import mask_text, mask_url, split_token, strip_token


@pytest.mark.parametrize("url, expected", [
    ("https://conda.anaconda.org/t/tk-123-456/conda-forge/linux-64",
     "https://conda.anaconda.org/t/*****/conda-forge/linux-64"),
    ("https://user:pa55@host.example/channel", "https://user:*****@host.example/channel"),
    ("https://host/repodata.json?token=abc&x=1", "https://host/repodata.json?token=*****&x=1"),
    ("https://host/plain/linux-64/repodata.json", "https://host/plain/linux-64/repodata.json"),
    ("", ""),
])
def test_mask_url(url: str, expected: str) -> None:
    assert mask_url(url) == expected


def test_mask_text_masks_every_url() -> None:
    text = ("failed https://a:b@h1/x and http://h2/t/SECRET/c/linux-64/repodata.json; "
            "also /t/OTHER/thing")
    out = mask_text(text)
    assert "SECRET" not in out and "OTHER" not in out and ":b@" not in out
    assert "https://a:*****@h1/x" in out


def test_split_and_strip_token() -> None:
    assert split_token("https://h/t/abc/chan/noarch") == ("https://h/chan/noarch", "abc")
    assert split_token("https://h/chan/noarch") == ("https://h/chan/noarch", None)
    assert strip_token("https://h/t/abc/chan") == "https://h/chan"
