"""One function's worker processes: Lambda's sandboxes, locally.

A ``FunctionRuntime`` keeps warm workers (``gateway.worker``) of one function and hands
each invocation to an idle one, starting another when all are busy, up to
``MAX_WORKERS`` (Lambda scales out the same way), so module state survives between
invocations but never crosses functions. Each worker has the function's own
environment; the gateway's ``os.environ`` and ``sys.path`` are never written. A worker
that overruns the function's timeout is killed (``Task timed out after N seconds``),
one that dies or runs out of memory is dropped; either way the invocation fails (the
gateway answers 502) and the next one gets a fresh worker: the stack keeps serving.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from gatehouse.errors import ConfigurationError
from gatehouse.gateway.frames import FrameTimeoutError, read_frame, write_frame

__all__ = ["INIT_TIMEOUT", "MAX_WORKERS", "FunctionError", "FunctionRuntime"]

MAX_WORKERS = 8
"""Workers one function may have at once (Lambda's concurrency, scaled to a laptop):
a request beyond that waits for one to be free; each invocation is bounded by the
function's timeout, so the wait is too."""
INIT_TIMEOUT = 30.0
"""Seconds a worker may take to import its handler. Lambda allows 10 s of init; a
shared development machine under load gets more, the handler's own timeout applies
from the first invocation on."""


class FunctionError(Exception):
    """The invocation failed: ``kind`` is ``error`` (the handler raised), ``timeout``,
    ``crash`` (the worker died), ``memory`` or ``init`` (the handler does not import)."""

    def __init__(self, message: str, *, kind: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.detail = detail


class _Worker:
    def __init__(self, argv: list[str], environ: Mapping[str, str], cwd: str) -> None:
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=dict(environ), cwd=cwd
        )
        if self.process.stdin is None or self.process.stdout is None:  # pragma: no cover
            raise RuntimeError("a worker without pipes")
        self.write_fd = self.process.stdin.fileno()
        self.read_fd = self.process.stdout.fileno()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class FunctionRuntime:
    """Warm workers of one function; ``invoke`` is blocking (run it off the event loop)."""

    def __init__(
        self,
        name: str,
        handler: str,
        *,
        timeout: float,
        memory: int,
        project: str,
        environ: Mapping[str, str],
    ) -> None:
        self.name = name
        self.timeout = timeout
        self._argv = [sys.executable, "-m", "gatehouse.gateway.worker", name, handler]
        self._argv += [str(memory), project]
        self._project = project
        self._environ = dict(environ)
        self._idle: list[_Worker] = []
        self._live = 0  # workers started and not dropped (idle or busy)
        self._free = threading.Condition()
        self._closed = False

    def _spawn(self) -> _Worker:
        worker = _Worker(self._argv, self._environ, self._project)
        try:
            frame = read_frame(worker.read_fd, time.monotonic() + INIT_TIMEOUT)
        except FrameTimeoutError:
            worker.kill()
            raise FunctionError(f"{self.name}: init timed out", kind="init") from None
        answer = json.loads(frame) if frame else {}
        if "ready" not in answer:
            worker.kill()
            message = answer.get("init_error") or f"{self.name}: the worker exited at start"
            raise FunctionError(message, kind="init")
        return worker

    def _new(self) -> _Worker:
        """Spawn a worker in a slot already counted in ``_live``; the slot is given back
        if it does not start."""
        try:
            return self._spawn()
        except BaseException:
            with self._free:
                self._live -= 1
                self._free.notify()
            raise

    def start(self) -> None:
        """Start one warm worker now; ``ConfigurationError`` if the handler does not import
        (so ``gatehouse dev`` stops at once, naming the function and the fix)."""
        with self._free:
            self._live += 1
        try:
            worker = self._new()
        except FunctionError as exc:
            raise ConfigurationError(str(exc)) from None
        self._release(worker)

    def _acquire(self) -> _Worker:
        with self._free:
            while True:
                if self._closed:
                    raise FunctionError(f"{self.name}: the gateway is stopping", kind="crash")
                if self._idle:
                    return self._idle.pop()
                if self._live < MAX_WORKERS:
                    self._live += 1
                    break
                self._free.wait()
        return self._new()

    def _release(self, worker: _Worker) -> None:
        with self._free:
            if not self._closed:
                self._idle.append(worker)
                self._free.notify()
                return
        self._drop(worker)

    def _drop(self, worker: _Worker) -> None:
        """Kill ``worker`` and give its slot back (a fresh worker may start)."""
        worker.kill()
        with self._free:
            self._live -= 1
            self._free.notify()

    @property
    def workers(self) -> int:
        """Workers alive now (idle or busy)."""
        return self._live

    def invoke(self, event: bytes, request_id: str) -> tuple[Any, int]:
        """Run the handler on ``event`` (its JSON); the result and its serialized size."""
        worker = self._acquire()
        ms = int(self.timeout * 1000)
        frame = b'{"id":' + json.dumps(request_id).encode() + b',"ms":%d,"event":' % ms
        try:
            write_frame(worker.write_fd, frame + event + b"}")
            answer = read_frame(worker.read_fd, time.monotonic() + self.timeout)
            if answer is not None and answer.startswith(b'{"ok":'):
                result = json.loads(answer[6:-1])
                self._release(worker)
                return result, len(answer) - 7
            error = json.loads(answer).get("error", {}) if answer is not None else None
        except FrameTimeoutError:
            self._drop(worker)
            raise FunctionError(
                f"Task timed out after {self.timeout:.2f} seconds", kind="timeout"
            ) from None
        except (OSError, ValueError, AttributeError):
            error = None  # a broken pipe or a garbled answer: the worker is not trusted
        if not isinstance(error, dict):
            self._drop(worker)
            code = worker.process.returncode
            raise FunctionError(f"Runtime exited with error: exit status {code}", kind="crash")
        if error.get("errorType") == "Runtime.OutOfMemory":
            self._drop(worker)
            raise FunctionError("Runtime exited: out of memory", kind="memory")
        self._release(worker)
        raise FunctionError(
            str(error.get("errorMessage", "")),
            kind="error",
            detail="\n".join(str(line) for line in error.get("stackTrace", [])),
        )

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        """The handler's shape, for callers holding a dict (the Lambda authorizer)."""
        request_id = str(getattr(context, "aws_request_id", "") or "local")
        return self.invoke(json.dumps(event).encode(), request_id)[0]

    def close(self) -> None:
        """Stop every worker (the gateway is stopping)."""
        with self._free:
            self._closed = True
            idle, self._idle = self._idle, []
            self._free.notify_all()
        for worker in idle:
            self._drop(worker)
