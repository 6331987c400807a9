"""Run one handler the way the Lambda Python runtime does: from the task root alone.

Started as ``python -I -S lambda_invoke.py`` (no site-packages, no PYTHONPATH), with the
job on stdin: ``{"task_root", "handler", "event"}``. Whatever the handler needs must come
from the built artifact, as on Lambda (``/var/task``). Prints the result as JSON.
"""

import importlib
import json
import sys


class Context:
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    function_name = "gatehouse-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:gatehouse-test"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


job = json.load(sys.stdin)
sys.path.insert(0, job["task_root"])
module_name, _, name = job["handler"].rpartition(".")
module = importlib.import_module(module_name)
try:
    out = {"result": getattr(module, name)(job["event"], Context())}
except Exception as exc:  # the runtime reports it as the invocation's error
    out = {"raised": type(exc).__name__, "text": str(exc)}
out["modules"] = sorted(
    {m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
)
print(json.dumps(out))
