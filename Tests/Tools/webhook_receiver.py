"""A merchant's webhook endpoint for the tests: verifies every delivery with the official
`standardwebhooks` library, answers 500 to the first FAIL_FIRST deliveries (a forced
failure) and 204 after, and lists what arrived at `GET /_received`.

Usage: webhook_receiver.py PORT SECRET FAIL_FIRST
"""
import json
import sys
import threading

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from fake_http import JSONHandler, serve

PORT, SECRET, FAIL_FIRST = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
lock = threading.Lock()
received = []


class Handler(JSONHandler):
    def do_GET(self):
        if self.path == "/_received":
            with lock:
                return self.answer(200, received)
        self.answer(404, {"error": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            payload = Webhook(SECRET).verify(body, headers)
            verified, error = True, None
        except WebhookVerificationError as failure:
            payload, verified, error = None, False, str(failure)
        with lock:
            status = 500 if len(received) < FAIL_FIRST else 204
            received.append({"path": self.path, "webhook_id": headers.get("webhook-id"),
                             "webhook_timestamp": headers.get("webhook-timestamp"), "verified": verified, "error": error,
                             "payload": payload, "answered": status})
        self.answer(status)


serve(PORT, Handler)
