"""What the tests' stand-ins for outside parties (card provider, POS, merchant endpoint)
share: a quiet JSON request handler and a server that stops on SIGTERM, or once the test run
that started it is gone."""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JSONHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=None):
        """Answers `status` with `body` as JSON, or with no body when it is None."""
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def exit_with_parent():
    """With STOP_WITH_PARENT=true (the tests set it), ends this process once the one that
    started it is gone: a test run that crashed would otherwise leave it answering on its port
    for the next run. `./suite up` starts its fakes to outlive the script."""
    if os.environ.get("STOP_WITH_PARENT") != "true":
        return
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def serve(port, handler):
    # The test runner may have ignored SIGTERM, and children inherit that: stop on it explicitly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    exit_with_parent()
    ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()
