"""AWS APIs on 127.0.0.1 for the DAG run test: moto's server, and a stand-in for the one API moto lacks.

`MotoServer` starts `.venv/moto/bin/moto_server` (made by `npm test`) on a port the kernel picks,
reads the port from the server's own "Running on" line, and stops it again; every wait is bounded.

`FeatureStoreRuntime` stands in for the SageMaker Feature Store runtime API (`PutRecord`,
`GetRecord`), which moto does not implement. It is deliberately small but not blind: it answers only
for feature groups that exist in moto's SageMaker (read with `DescribeFeatureGroup`), and rejects a
record the way SageMaker does when a feature is not in the group's definition, when the record
identifier or event time is missing, or when an Integral or Fractional value does not parse.
"""
from __future__ import annotations

import collections
import json
import queue
import re
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlparse

ROOT = Path(__file__).resolve().parents[3]
MOTO_SERVER = ROOT / ".venv" / "moto" / "bin" / "moto_server"
#: Longest wait for moto_server to listen and answer.
START_TIMEOUT_S = 30.0
#: Longest wait for moto_server to exit after SIGTERM before it is killed.
STOP_TIMEOUT_S = 5.0


class MotoServer:
    """`moto_server` on 127.0.0.1 at a free port; use as a context manager. `url` is its endpoint."""

    def __init__(self) -> None:
        if not MOTO_SERVER.exists():
            raise RuntimeError(f"{MOTO_SERVER} is missing: run `npm test`, which creates .venv/moto")
        self.url = ""
        self.output: collections.deque[str] = collections.deque(maxlen=200)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> "MotoServer":
        self._process = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        # The server logs every request to stderr: keep draining it, or it blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while not self.url:
                try:
                    line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise TimeoutError(f"moto_server did not start within {START_TIMEOUT_S:.0f} s") from None
                if line is None:
                    raise RuntimeError(f"moto_server exited with {self._process.wait()}: {' | '.join(self.output)}")
                found = re.search(r"Running on (http://127\.0\.0\.1:\d+)", line)
                if found:
                    self.url = found.group(1)
            urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=max(0.1, deadline - time.monotonic())).read()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _drain(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self.output.append(line.rstrip())
            if not self.url:
                self._lines.put(line)
        self._lines.put(None)

    def configure(self, config: dict[str, Any]) -> None:
        """POST /moto-api/config, e.g. `{"stepfunctions": {"execute_state_machine": True}}`."""
        request = urllib.request.Request(
            f"{self.url}/moto-api/config", data=json.dumps(config).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).read()

    def __exit__(self, *exc: object) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=STOP_TIMEOUT_S)


#: Feature Store types whose values must parse as numbers.
_NUMERIC = {"Integral": int, "Fractional": float}


class FeatureStoreRuntime:
    """PutRecord / GetRecord on 127.0.0.1, for feature groups described by `describe_feature_group`.

    `describe_feature_group(name)` is moto's SageMaker `DescribeFeatureGroup`; it raises for an
    unknown group. Records are kept per group by record identifier (the latest write wins, as in the
    online store); `puts` counts accepted PutRecord calls.
    """

    def __init__(self, describe_feature_group: Callable[[str], dict[str, Any]]) -> None:
        self.describe_feature_group = describe_feature_group
        self.records: dict[str, dict[str, list[dict[str, str]]]] = {}
        self.puts = 0
        self._lock = threading.Lock()
        store = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                store._answer(self, store._put)

            def do_GET(self) -> None:
                store._answer(self, store._get)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FeatureStoreRuntime":
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, action: Callable[[str, dict, bytes], tuple[int, dict]]) -> None:
        url = urlparse(handler.path)
        match = re.fullmatch(r"/FeatureGroup/([^/]+)", url.path)
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        if match is None:
            status, reply = 404, {"__type": "UnknownOperationException", "message": f"no operation at {url.path}"}
        else:
            try:
                status, reply = action(unquote(match.group(1)), parse_qs(url.query), body)
            except _ApiError as err:
                status, reply = err.status, {"__type": err.code, "Message": err.message}
        data = json.dumps(reply).encode()
        handler.send_response(status)
        if "__type" in reply:
            handler.send_header("x-amzn-ErrorType", reply["__type"])
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _definition(self, name: str) -> dict[str, Any]:
        try:
            return self.describe_feature_group(name)
        except Exception as err:  # moto answers ResourceNotFound; so does SageMaker
            raise _ApiError(404, "ResourceNotFound", f"Resource Not Found: feature group {name}: {err}") from None

    def _put(self, name: str, query: dict, body: bytes) -> tuple[int, dict]:
        group = self._definition(name)
        types = {d["FeatureName"]: d["FeatureType"] for d in group["FeatureDefinitions"]}
        record = json.loads(body or b"{}").get("Record") or []
        values = {f["FeatureName"]: f.get("ValueAsString") for f in record}
        unknown = sorted(set(values) - set(types))
        if unknown:
            raise _ApiError(400, "ValidationError", f"features {', '.join(unknown)} are not in feature group {name}")
        for required in (group["RecordIdentifierFeatureName"], group["EventTimeFeatureName"]):
            if not values.get(required):
                raise _ApiError(400, "ValidationError", f"the record has no value for {required}")
        for feature, value in values.items():
            parse = _NUMERIC.get(types[feature])
            try:
                if parse is not None and value is not None:
                    parse(value)
            except ValueError:
                raise _ApiError(400, "ValidationError", f"{feature}={value!r} is not {types[feature]}") from None
        with self._lock:
            self.records.setdefault(name, {})[values[group["RecordIdentifierFeatureName"]]] = record
            self.puts += 1
        return 200, {}

    def _get(self, name: str, query: dict, body: bytes) -> tuple[int, dict]:
        self._definition(name)
        ids = query.get("RecordIdentifierValueAsString") or [""]
        with self._lock:
            record = self.records.get(name, {}).get(ids[0])
        return 200, ({"Record": record} if record is not None else {})


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
