from tests.support.fixtures import channel_server, make_channel_server  # noqa: F401
