from __future__ import annotations

import math

import msgpack  # test-only reference implementation
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from umm.repodata.errors import MsgpackError
from umm.repodata.msgpack import ExtType, packb, unpackb

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2 ** 63), max_value=2 ** 64 - 1)
           | st.floats(allow_nan=False) | st.text(max_size=300) | st.binary(max_size=300))
keys = st.text(max_size=20) | st.integers(min_value=-1000, max_value=1000)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=20)
                      | st.dictionaries(keys, inner, max_size=20), max_leaves=25)


def reference(obj: object) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_decodes_what_msgpack_encodes(obj: object) -> None:
    assert unpackb(reference(obj)) == msgpack.unpackb(reference(obj), raw=False,
                                                      strict_map_key=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_encodes_what_msgpack_decodes(obj: object) -> None:
    assert msgpack.unpackb(packb(obj), raw=False, strict_map_key=False) == obj
    assert unpackb(packb(obj)) == obj


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_msgpack_error(data: bytes) -> None:
    try:
        unpackb(data)
    except MsgpackError:
        pass


@settings(max_examples=60, deadline=None)
@given(values, st.data())
def test_truncations_raise_msgpack_error(obj: object, data: st.DataObject) -> None:
    blob = reference(obj)
    if len(blob) < 2:
        return
    cut = data.draw(st.integers(min_value=0, max_value=len(blob) - 1))
    with pytest.raises(MsgpackError):
        unpackb(blob[:cut])


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 8, 16, 17, 300, 70000])
def test_ext_types(size: int) -> None:
    e = ExtType(5, bytes(range(256)) * (size // 256) + bytes(size % 256))
    assert unpackb(packb(e)) == e
    ref = msgpack.unpackb(packb(e))
    assert (ref.code, ref.data) == (5, e.data)
    assert unpackb(msgpack.packb(msgpack.ExtType(7, b"abc"))) == ExtType(7, b"abc")


def test_float32_and_sizes() -> None:
    assert math.isclose(unpackb(b"\xca\x3f\xc0\x00\x00"), 1.5)
    for n in (15, 16, 255, 256, 65535, 65536):
        assert unpackb(packb("x" * n)) == "x" * n
        assert unpackb(packb(list(range(n)))) == list(range(n))
        assert unpackb(reference({str(i): i for i in range(n)})) == {str(i): i for i in range(n)}


def test_errors() -> None:
    with pytest.raises(MsgpackError, match="extra data"):
        unpackb(b"\x01\x02")
    with pytest.raises(MsgpackError, match="invalid type"):
        unpackb(b"\xc1")
    with pytest.raises(MsgpackError, match="UTF-8"):
        unpackb(b"\xa2\xff\xfe")
    with pytest.raises(MsgpackError, match="unhashable"):
        unpackb(b"\x81\x90\x01")
    with pytest.raises(MsgpackError, match="cannot fit"):
        unpackb(b"\xdd\xff\xff\xff\xff")
    with pytest.raises(MsgpackError, match="too deep"):
        unpackb(b"\x91" * 1000 + b"\x00")
    with pytest.raises(MsgpackError):
        unpackb("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        packb(object())
    assert isinstance(MsgpackError("x"), ValueError)
