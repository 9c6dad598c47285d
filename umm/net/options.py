"""Network settings: an immutable value built from configuration keys."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Tuple, Union

DEFAULT_CONNECT_TIMEOUT = 10.0   # remote_connect_timeout_secs
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 3          # remote_max_retries
DEFAULT_BACKOFF_FACTOR = 2.0     # remote_backoff_factor
DEFAULT_MAX_REDIRECTS = 10
DEFAULT_RETRY_AFTER_CAP = 60.0


def _default_user_agent() -> str:
    import platform

    from umm import __version__

    return f"umm/{__version__} ({platform.system()}; {platform.machine()}) " \
           f"python/{platform.python_version()}"


class NetworkOptions:
    """How to talk to servers. Frozen; build variants with :meth:`replace`.

    ``ssl_verify`` is ``True`` (certifi's bundle unless ``cacert_path``),
    ``False``, or a path to a CA bundle file or directory. ``proxy_servers``
    maps ``scheme`` or ``scheme://host`` (or ``all``) to a proxy URL, like
    conda's ``proxy_servers``; ``use_env_proxies`` also honours
    ``HTTP(S)_PROXY``/``ALL_PROXY``/``NO_PROXY``.
    """

    __slots__ = ("ssl_verify", "cacert_path", "client_cert", "client_key", "proxy_servers",
                 "use_env_proxies", "connect_timeout", "read_timeout", "max_retries",
                 "backoff_factor", "max_backoff", "retry_after_cap", "max_redirects",
                 "user_agent")

    def __init__(self, ssl_verify: Union[bool, str] = True, cacert_path: Optional[str] = None,
                 client_cert: Optional[str] = None, client_key: Optional[str] = None,
                 proxy_servers: Optional[Mapping[str, str]] = None, use_env_proxies: bool = True,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
                 read_timeout: float = DEFAULT_READ_TIMEOUT,
                 max_retries: int = DEFAULT_MAX_RETRIES,
                 backoff_factor: float = DEFAULT_BACKOFF_FACTOR, max_backoff: float = 30.0,
                 retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP,
                 max_redirects: int = DEFAULT_MAX_REDIRECTS,
                 user_agent: Optional[str] = None) -> None:
        s = object.__setattr__
        s(self, "ssl_verify", ssl_verify)
        s(self, "cacert_path", cacert_path)
        s(self, "client_cert", client_cert)
        s(self, "client_key", client_key)
        s(self, "proxy_servers", tuple(sorted((proxy_servers or {}).items())))
        s(self, "use_env_proxies", bool(use_env_proxies))
        s(self, "connect_timeout", float(connect_timeout))
        s(self, "read_timeout", float(read_timeout))
        s(self, "max_retries", max(0, int(max_retries)))
        s(self, "backoff_factor", max(0.0, float(backoff_factor)))
        s(self, "max_backoff", float(max_backoff))
        s(self, "retry_after_cap", float(retry_after_cap))
        s(self, "max_redirects", max(0, int(max_redirects)))
        s(self, "user_agent", user_agent or _default_user_agent())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @property
    def proxies(self) -> Mapping[str, str]:
        return dict(self.proxy_servers)

    def _items(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, k) for k in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NetworkOptions) and self._items() == other._items()

    def __hash__(self) -> int:
        return hash(self._items())

    def __repr__(self) -> str:
        from umm.net.masking import mask_url

        fields = []
        for k in self.__slots__:
            v = getattr(self, k)
            if k == "proxy_servers":
                v = {a: mask_url(b) for a, b in v}
            fields.append(f"{k}={v!r}")
        return f"NetworkOptions({', '.join(fields)})"

    def replace(self, **changes: Any) -> "NetworkOptions":
        kw = {k: getattr(self, k) for k in self.__slots__}
        kw["proxy_servers"] = dict(self.proxy_servers)
        kw.update(changes)
        return NetworkOptions(**kw)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "NetworkOptions":
        """Build from micromamba configuration keys (missing/None keys keep defaults).

        Keys: ssl_verify ("true"/"false"/"<path>" or bool), cacert_path,
        client_cert, client_key, proxy_servers, remote_connect_timeout_secs,
        remote_read_timeout_secs, remote_max_retries, remote_backoff_factor,
        user_agent.
        """
        kw: dict = {}
        sv = config.get("ssl_verify")
        if sv is not None:
            kw["ssl_verify"] = parse_ssl_verify(sv)
        for key, name in (("cacert_path", "cacert_path"), ("client_cert", "client_cert"),
                          ("client_key", "client_key"), ("user_agent", "user_agent")):
            if config.get(key):
                kw[name] = str(config[key])
        if config.get("proxy_servers"):
            kw["proxy_servers"] = {str(k): str(v) for k, v in dict(config["proxy_servers"]).items()}
        for key, name, conv in (("remote_connect_timeout_secs", "connect_timeout", float),
                                ("remote_read_timeout_secs", "read_timeout", float),
                                ("remote_max_retries", "max_retries", int),
                                ("remote_backoff_factor", "backoff_factor", float)):
            if config.get(key) is not None:
                kw[name] = conv(config[key])
        return cls(**kw)


def parse_ssl_verify(value: Union[bool, str]) -> Union[bool, str]:
    """``ssl_verify`` as micromamba reads it: booleans, ``<false>``, or a CA path."""
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    low = text.lower()
    if low in ("", "true", "yes", "on", "1", "<true>"):
        return True
    if low in ("false", "no", "off", "0", "<false>"):
        return False
    return text
