"""A small pure-Python msgpack decoder and encoder (no runtime dependency).

Enough of the format for sharded repodata (CEP-16) and more: nil, booleans,
integers up to 64 bits, float32/64, str, bin, array, map and ext types.
Malformed input raises :class:`~umm.repodata.errors.MsgpackError` (never
another exception); nesting is limited to ``max_depth``.
"""
from __future__ import annotations

import struct
from typing import Any, Callable, Dict, List, NamedTuple, Tuple

from umm.repodata.errors import MsgpackError

MAX_DEPTH = 256


class ExtType(NamedTuple):
    code: int
    data: bytes


_S = {k: struct.Struct(">" + k) for k in ("B", "H", "I", "Q", "b", "h", "i", "q", "f", "d")}
_u8, _u16, _u32, _u64 = (_S[k].unpack_from for k in ("B", "H", "I", "Q"))
_i8, _i16, _i32, _i64 = (_S[k].unpack_from for k in ("b", "h", "i", "q"))
_f32, _f64 = _S["f"].unpack_from, _S["d"].unpack_from


class _Decoder:
    __slots__ = ("data", "max_depth")

    def __init__(self, data: bytes, max_depth: int) -> None:
        self.data = data
        self.max_depth = max_depth

    def need(self, pos: int, n: int) -> None:
        if pos + n > len(self.data):
            raise MsgpackError(f"truncated data (need {n} bytes)", pos)

    def text(self, pos: int, n: int) -> Tuple[str, int]:
        self.need(pos, n)
        try:
            return self.data[pos:pos + n].decode("utf-8"), pos + n
        except UnicodeDecodeError:
            raise MsgpackError("invalid UTF-8 in a string", pos) from None

    def raw(self, pos: int, n: int) -> Tuple[bytes, int]:
        self.need(pos, n)
        return bytes(self.data[pos:pos + n]), pos + n

    def array(self, pos: int, n: int, depth: int) -> Tuple[List[Any], int]:
        if n > len(self.data) - pos:
            raise MsgpackError(f"array of {n} items cannot fit", pos)
        out = []
        append = out.append
        dec = self.decode
        for _ in range(n):
            v, pos = dec(pos, depth)
            append(v)
        return out, pos

    def map(self, pos: int, n: int, depth: int) -> Tuple[Dict[Any, Any], int]:
        if 2 * n > len(self.data) - pos:
            raise MsgpackError(f"map of {n} entries cannot fit", pos)
        out: Dict[Any, Any] = {}
        dec = self.decode
        for _ in range(n):
            kpos = pos
            k, pos = dec(pos, depth)
            if isinstance(k, (list, dict)):
                raise MsgpackError("unhashable map key", kpos)
            v, pos = dec(pos, depth)
            out[k] = v
        return out, pos

    def decode(self, pos: int, depth: int = 0) -> Tuple[Any, int]:
        data = self.data
        if pos >= len(data):
            raise MsgpackError("truncated data", pos)
        b = data[pos]
        pos += 1
        if b <= 0x7F:
            return b, pos
        if b >= 0xE0:
            return b - 0x100, pos
        if 0xA0 <= b <= 0xBF:
            return self.text(pos, b & 0x1F)
        if depth >= self.max_depth and (0x80 <= b <= 0x9F or 0xDC <= b <= 0xDF):
            raise MsgpackError("nesting too deep", pos - 1)
        if 0x90 <= b <= 0x9F:
            return self.array(pos, b & 0x0F, depth + 1)
        if 0x80 <= b <= 0x8F:
            return self.map(pos, b & 0x0F, depth + 1)
        try:
            if b == 0xC0:
                return None, pos
            if b == 0xC2:
                return False, pos
            if b == 0xC3:
                return True, pos
            if b == 0xCC:
                return _u8(data, pos)[0], pos + 1
            if b == 0xCD:
                return _u16(data, pos)[0], pos + 2
            if b == 0xCE:
                return _u32(data, pos)[0], pos + 4
            if b == 0xCF:
                return _u64(data, pos)[0], pos + 8
            if b == 0xD0:
                return _i8(data, pos)[0], pos + 1
            if b == 0xD1:
                return _i16(data, pos)[0], pos + 2
            if b == 0xD2:
                return _i32(data, pos)[0], pos + 4
            if b == 0xD3:
                return _i64(data, pos)[0], pos + 8
            if b == 0xCA:
                return _f32(data, pos)[0], pos + 4
            if b == 0xCB:
                return _f64(data, pos)[0], pos + 8
            if b == 0xD9:
                return self.text(pos + 1, _u8(data, pos)[0])
            if b == 0xDA:
                return self.text(pos + 2, _u16(data, pos)[0])
            if b == 0xDB:
                return self.text(pos + 4, _u32(data, pos)[0])
            if b == 0xC4:
                return self.raw(pos + 1, _u8(data, pos)[0])
            if b == 0xC5:
                return self.raw(pos + 2, _u16(data, pos)[0])
            if b == 0xC6:
                return self.raw(pos + 4, _u32(data, pos)[0])
            if b == 0xDC:
                return self.array(pos + 2, _u16(data, pos)[0], depth + 1)
            if b == 0xDD:
                return self.array(pos + 4, _u32(data, pos)[0], depth + 1)
            if b == 0xDE:
                return self.map(pos + 2, _u16(data, pos)[0], depth + 1)
            if b == 0xDF:
                return self.map(pos + 4, _u32(data, pos)[0], depth + 1)
            if 0xD4 <= b <= 0xD8:
                size = 1 << (b - 0xD4)
                code = _i8(data, pos)[0]
                payload, end = self.raw(pos + 1, size)
                return ExtType(code, payload), end
            if b == 0xC7:
                size, code = _u8(data, pos)[0], _i8(data, pos + 1)[0]
                payload, end = self.raw(pos + 2, size)
                return ExtType(code, payload), end
            if b == 0xC8:
                size, code = _u16(data, pos)[0], _i8(data, pos + 2)[0]
                payload, end = self.raw(pos + 3, size)
                return ExtType(code, payload), end
            if b == 0xC9:
                size, code = _u32(data, pos)[0], _i8(data, pos + 4)[0]
                payload, end = self.raw(pos + 5, size)
                return ExtType(code, payload), end
        except struct.error:
            raise MsgpackError("truncated data", pos) from None
        raise MsgpackError(f"invalid type byte 0x{b:02x}", pos - 1)


def unpackb(data: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Decode one msgpack object that fills all of ``data``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MsgpackError("expected bytes")
    buf = bytes(data)
    obj, end = _Decoder(buf, max_depth).decode(0)
    if end != len(buf):
        raise MsgpackError(f"{len(buf) - end} bytes of extra data after the object", end)
    return obj


# -- encoder ----------------------------------------------------------------------------
def _pack_int(v: int, out: List[bytes]) -> None:
    if 0 <= v <= 0x7F:
        out.append(bytes((v,)))
    elif -32 <= v < 0:
        out.append(bytes((v + 0x100,)))
    elif 0 <= v <= 0xFF:
        out.append(b"\xcc" + _S["B"].pack(v))
    elif 0 <= v <= 0xFFFF:
        out.append(b"\xcd" + _S["H"].pack(v))
    elif 0 <= v <= 0xFFFFFFFF:
        out.append(b"\xce" + _S["I"].pack(v))
    elif 0 <= v <= 0xFFFFFFFFFFFFFFFF:
        out.append(b"\xcf" + _S["Q"].pack(v))
    elif -0x80 <= v < 0:
        out.append(b"\xd0" + _S["b"].pack(v))
    elif -0x8000 <= v < 0:
        out.append(b"\xd1" + _S["h"].pack(v))
    elif -0x80000000 <= v < 0:
        out.append(b"\xd2" + _S["i"].pack(v))
    elif -0x8000000000000000 <= v < 0:
        out.append(b"\xd3" + _S["q"].pack(v))
    else:
        raise OverflowError("integer out of msgpack range")


def _pack_len(n: int, fix: int, fixmax: int, codes: Tuple[int, ...], out: List[bytes]) -> None:
    if n <= fixmax and fix >= 0:
        out.append(bytes((fix | n,)))
    elif n <= 0xFF and codes[0]:
        out.append(bytes((codes[0],)) + _S["B"].pack(n))
    elif n <= 0xFFFF:
        out.append(bytes((codes[1],)) + _S["H"].pack(n))
    elif n <= 0xFFFFFFFF:
        out.append(bytes((codes[2],)) + _S["I"].pack(n))
    else:
        raise OverflowError("object too large for msgpack")


def _pack(obj: Any, out: List[bytes], default: Callable[[Any], Any], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError("nesting too deep to pack")
    if obj is None:
        out.append(b"\xc0")
    elif obj is True:
        out.append(b"\xc3")
    elif obj is False:
        out.append(b"\xc2")
    elif isinstance(obj, int):
        _pack_int(obj, out)
    elif isinstance(obj, float):
        out.append(b"\xcb" + _S["d"].pack(obj))
    elif isinstance(obj, str):
        raw = obj.encode("utf-8")
        _pack_len(len(raw), 0xA0, 31, (0xD9, 0xDA, 0xDB), out)
        out.append(raw)
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        raw = bytes(obj)
        _pack_len(len(raw), -1, -1, (0xC4, 0xC5, 0xC6), out)
        out.append(raw)
    elif isinstance(obj, ExtType):
        n = len(obj.data)
        fixed = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}.get(n)
        if fixed:
            out.append(bytes((fixed,)) + _S["b"].pack(obj.code))
        else:
            _pack_len(n, -1, -1, (0xC7, 0xC8, 0xC9), out)
            out.append(_S["b"].pack(obj.code))
        out.append(bytes(obj.data))
    elif isinstance(obj, (list, tuple)):
        _pack_len(len(obj), 0x90, 15, (0, 0xDC, 0xDD), out)
        for item in obj:
            _pack(item, out, default, depth + 1)
    elif isinstance(obj, dict):
        _pack_len(len(obj), 0x80, 15, (0, 0xDE, 0xDF), out)
        for k, v in obj.items():
            _pack(k, out, default, depth + 1)
            _pack(v, out, default, depth + 1)
    else:
        _pack(default(obj), out, default, depth + 1)


def _no_default(obj: Any) -> Any:
    raise TypeError(f"cannot pack {type(obj).__name__}")


def packb(obj: Any, default: Callable[[Any], Any] = _no_default) -> bytes:
    """Encode ``obj`` (None, bool, int, float, str, bytes, list, tuple, dict, ExtType)."""
    out: List[bytes] = []
    _pack(obj, out, default, 0)
    return b"".join(out)
