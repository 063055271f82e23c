"""A peer in a child process speaking the JSON-lines protocol of peer.py:
requests on its stdin, replies and events on its stdout, logs on stderr.
Used for Pion (pion/), aiortc (aiortc_peer.py) and libdatachannel
(libdatachannel.js)."""

import json
import queue
import subprocess
import threading

from .peer import Peer, PeerError
from .process import ProcessGroup


class LinePeer(Peer):
    def __init__(self, name, argv, env=None, reply_timeout=30.0):
        super().__init__()
        self.name = name
        self.reply_timeout = reply_timeout
        self._next_id = 0
        self._replies = {}
        self._cond = threading.Condition()
        self._queue = queue.Queue()
        self._eof = False
        self._proc = ProcessGroup(argv, env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, bufsize=0)
        self._reader = threading.Thread(target=self._read, name=name + "-reader", daemon=True)
        self._reader.start()

    def _read(self):
        for line in self._proc.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                self._queue.put({"event": "protocol_error", "line": line.decode(errors="replace")})
                continue
            if "event" in msg:
                self._queue.put(msg)
                continue
            with self._cond:
                self._replies[msg.get("id")] = msg
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def call(self, cmd, **args):
        with self._cond:
            self._next_id += 1
            rid = self._next_id
        # The arguments apart from the envelope: a channel's "id" is one.
        line = json.dumps({"id": rid, "cmd": cmd, "args": args}) + "\n"
        try:
            self._proc.proc.stdin.write(line.encode())
        except (BrokenPipeError, AttributeError):
            raise PeerError("%s: process is gone (%s)" % (self.name, cmd))
        with self._cond:
            ok = self._cond.wait_for(lambda: rid in self._replies or self._eof,
                                     timeout=self.reply_timeout)
            if rid not in self._replies:
                raise PeerError("%s: no reply to %s (%s)" % (
                    self.name, cmd, "process exited" if ok else "timeout"))
            msg = self._replies.pop(rid)
        if not msg.get("ok"):
            raise PeerError("%s: %s: %s" % (self.name, cmd, msg.get("error")))
        return msg.get("result")

    def _fetch_events(self, timeout):
        try:
            self._events.append(self._queue.get(timeout=timeout) if timeout > 0
                                else self._queue.get_nowait())
            while True:
                self._events.append(self._queue.get_nowait())
        except queue.Empty:
            pass

    def close(self):
        if self._proc.proc is None:
            return
        try:
            self.call("quit")
        except PeerError:
            pass
        try:
            self._proc.proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.proc.wait(timeout=3)
        except Exception:
            pass
        self._proc.stop()
