"""What the tests' stand-ins for outside parties (card provider, POS, merchant endpoint)
share: a quiet JSON request handler and a server that stops on SIGTERM."""
import json
import signal
import sys
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


def serve(port, handler):
    # The test runner may have ignored SIGTERM, and children inherit that: stop on it explicitly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()
