"""`serve_forever` (behind `profile-bot sandbox`) prints where it listens and stops cleanly."""

from __future__ import annotations

import io
import re
import threading

import httpx
import pytest

from bot.sandbox import serve_forever


class Lines(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.ready = threading.Event()

    def flush(self) -> None:
        super().flush()
        self.ready.set()


def test_serves_until_stopped(anon: httpx.Client) -> None:
    out = Lines()
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_forever,
        args=(0, "tok-123", "spa_demo"),
        kwargs={"out": out, "stop": stop},
        daemon=True,
    )
    thread.start()
    assert out.ready.wait(5)
    line = out.getvalue()
    assert line.count("\n") == 1 and "tok-123" in line and "spa_demo" in line
    url = re.search(r"http://127\.0\.0\.1:\d+/", line)
    assert url is not None
    response = anon.get(
        url.group(0) + "v1/spaces/spa_demo/collections/users/profiles/user_id:u_jane_001/metadata",
        auth=("tok-123", ""),
    )
    assert response.status_code == 200
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    with pytest.raises(httpx.TransportError):
        anon.get(url.group(0), timeout=1)


class InterruptingStop:
    """Stands in for the wait loop; the second wait raises what Ctrl-C raises."""

    def __init__(self) -> None:
        self.calls = 0

    def wait(self, timeout: float) -> bool:
        self.calls += 1
        if self.calls > 1:
            raise KeyboardInterrupt
        return False


def test_ctrl_c_stops_cleanly(anon: httpx.Client) -> None:
    out = Lines()
    serve_forever(0, out=out, stop=InterruptingStop())  # returns instead of raising
    url = re.search(r"http://127\.0\.0\.1:\d+/", out.getvalue())
    assert url is not None
    with pytest.raises(httpx.TransportError):
        anon.get(url.group(0), timeout=1)
