"""A function's worker process: one Lambda sandbox for ``gatehouse dev``.

Started by ``gateway.sandbox`` as ``python -m gatehouse.gateway.worker NAME HANDLER
MEMORY_MB PROJECT`` with the function's own environment. It caps its address space at
the function's memory size (``RLIMIT_AS``) before importing anything of the function,
imports the handler (the cold start), answers ``ready`` (or the import error), then
serves invocations one at a time, keeping module state between them (a warm sandbox).
``print`` output goes to the gateway's log, never into the protocol stream.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from typing import Any

__all__ = ["LambdaContext", "main"]

REGION = "us-east-1"
ACCOUNT = "123456789012"


class LambdaContext:
    """The context object the Python runtime passes (the fields functions read)."""

    def __init__(self, name: str, memory: int, request_id: str, remaining_ms: int) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        self.memory_limit_in_mb = str(memory)
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = f"gatehouse-dev/{os.getpid()}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc: BaseException, kind: str | None = None) -> bytes:
    stack = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return json.dumps(
        {
            "error": {
                "errorMessage": str(exc),
                "errorType": kind or type(exc).__name__,
                "stackTrace": [line.rstrip("\n") for line in stack],
            }
        }
    ).encode()


def _serve(handler: Any, name: str, memory: int, read_fd: int, write_fd: int) -> int:
    from gatehouse.gateway.frames import read_frame, write_frame

    while True:
        frame = read_frame(read_fd)
        if frame is None:
            return 0  # the gateway has gone: the sandbox ends
        message = json.loads(frame)
        context = LambdaContext(name, memory, message["id"], message["ms"])
        try:
            result = handler(message["event"], context)
            body = json.dumps(result).encode()
        except MemoryError as exc:
            # Lambda ends a sandbox that ran out of memory; so does this one.
            write_frame(write_fd, _error(exc, "Runtime.OutOfMemory"))
            return 1
        except Exception as exc:
            print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exc()
            sys.stderr.flush()
            write_frame(write_fd, _error(exc))
            continue
        write_frame(write_fd, b'{"ok":' + body + b"}")


def main(argv: list[str]) -> int:
    name, handler_path, memory_text, project = argv
    memory = int(memory_text)
    limit = memory * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError) as exc:  # some kernels (macOS) refuse RLIMIT_AS
        print(f"[{name}] memory limit not enforced here: {exc}", file=sys.stderr, flush=True)
    read_fd, write_fd = os.dup(0), os.dup(1)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)  # print() goes to the log (the gateway's stderr)
    if project not in sys.path:
        sys.path.insert(0, project)

    from gatehouse.errors import ConfigurationError
    from gatehouse.gateway.frames import write_frame
    from gatehouse.gateway.imports import ReloadingHandler

    try:
        handler = ReloadingHandler(handler_path, f"[[functions]] {name}")
    except ConfigurationError as exc:
        write_frame(write_fd, json.dumps({"init_error": exc.message}).encode())
        return 1
    except MemoryError:
        write_frame(
            write_fd, json.dumps({"init_error": f"{name}: out of memory at import"}).encode()
        )
        return 1
    write_frame(write_fd, json.dumps({"ready": os.getpid()}).encode())
    return _serve(handler, name, memory, read_fd, write_fd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
