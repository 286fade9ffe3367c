"""A gunicorn worker that serves its inherited listening sockets with waitress.

gunicorn's master stays as it was (WEB_CONCURRENCY processes on one shared socket, restarts,
heartbeat, SIGTERM then `graceful_timeout`, the worker_exit hook); inside each worker, waitress's
I/O loop reads requests whole (with `DeadlineServer`'s deadline) and hands only complete ones to
its WEB_THREADS application threads. waitress has no graceful stop of its own, so `_drain` is
one: stop accepting, answer what was read, give a request already arriving a short grace.
"""

from __future__ import annotations

import gc
import os
import time
from typing import Any

from gunicorn.workers.base import Worker
from waitress.channel import HTTPChannel
from waitress.task import ThreadedTaskDispatcher
from waitress.wasyncore import loop as io_loop

from bot.serve_http.deadline import DeadlineServer, server_adjustments

# Seconds after SIGTERM that a request already arriving may take to come in whole (it may be
# Slack's; Slack retries a request that was refused, not one that was cut off).
DRAIN_READ_GRACE_SECONDS = 2.0
# One turn of the I/O loop at most: the heartbeat to the master and the stop flag are checked
# this often (gunicorn's `timeout` must be well above it).
_LOOP_SECONDS = 1.0


class WaitressWorker(Worker):  # type: ignore[misc]
    """gunicorn worker: waitress's I/O loop and threads on the sockets the master opened."""

    def run(self) -> None:
        """Serve until SIGTERM (or the master goes away), then drain."""
        # The app is built (gunicorn loaded it before run()): its tens of thousands of objects,
        # Bolt's, slack_sdk's, httpx's, never become garbage. Freezing them keeps the collector's
        # full passes off them: measured 47-78 ms each without, 4-6 ms with, and such a pause
        # lands on whatever acks are waiting (bench/front_door.py, issue 11 §9).
        gc.freeze()
        adj = server_adjustments(self.cfg.threads, backlog=self.cfg.backlog)
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(adj.threads)
        socket_map: dict[int, Any] = {}
        servers = [
            DeadlineServer(
                self.wsgi,
                map=socket_map,
                _sock=listener.sock,
                dispatcher=dispatcher,
                adj=adj,
                bind_socket=False,  # the master bound it; every worker shares it
                sockinfo=(
                    listener.sock.family,
                    listener.sock.type,
                    listener.sock.proto,
                    listener.sock.getsockname(),
                ),
            )
            for listener in self.sockets
        ]
        parent = os.getppid()
        notified = 0.0
        while self.alive:
            if (now := time.monotonic()) - notified >= _LOOP_SECONDS:
                # The heartbeat touches a file (a syscall): once a second, not once per event.
                self.notify()
                notified = now
            io_loop(timeout=_LOOP_SECONDS, map=socket_map, use_poll=True, count=1)
            if os.getppid() != parent:
                self.log.info("Parent changed, shutting down: %s", self)
                break
        _drain(self, servers, socket_map, dispatcher)


def _drain(
    worker: Worker,
    servers: list[DeadlineServer],
    socket_map: dict[int, Any],
    dispatcher: ThreadedTaskDispatcher,
) -> None:
    """Stop accepting; answer the requests already read; close the rest; stop the threads."""
    for server in servers:
        server.accepting = False
        for _ in range(worker.cfg.backlog):  # take in the connections already waiting
            before = len(socket_map)
            server.handle_accept()
            if len(socket_map) == before:
                break
        # Once every worker (and the master) has closed its copy of the listening socket, new
        # connections are refused at once (Slack retries) instead of waiting in the backlog.
        server.del_channel()
        server.socket.close()
    began, began_wall = time.monotonic(), time.time()  # waitress stamps channels with time()
    give_up = began + worker.cfg.graceful_timeout
    while time.monotonic() < give_up:
        in_grace = time.monotonic() < began + DRAIN_READ_GRACE_SECONDS
        busy = False
        for channel in list(socket_map.values()):
            if not isinstance(channel, HTTPChannel):
                continue  # waitress's trigger (the threads' wake-up pipe)
            if channel.requests or channel.total_outbufs_len:
                busy = True  # a complete request being answered, or its answer being sent
            elif in_grace and (
                channel.request is not None or channel.creation_time >= began_wall - 1.0
            ):
                busy = True  # a request arriving, or a connection just taken from the backlog
            else:
                channel.will_close = True  # idle keep-alive, or a request not in in time
        if not busy and not dispatcher.queue:
            break
        worker.notify()
        io_loop(timeout=0.2, map=socket_map, use_poll=True, count=1)
    io_loop(timeout=0.05, map=socket_map, use_poll=True, count=3)  # let the closes happen
    dispatcher.shutdown(cancel_pending=False, timeout=5)
