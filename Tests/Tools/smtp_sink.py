"""An SMTP sink for the tests: a real SMTP server (`aiosmtpd`) that keeps every message it
accepts, answers `451` to the first FAIL_FIRST messages (a forced temporary failure), and
lists what arrived at `GET /_received` on HTTP_PORT, parsed with Python's `email` package
(subject decoded, plain text and HTML parts decoded).

Usage: smtp_sink.py SMTP_PORT HTTP_PORT FAIL_FIRST
"""
import email
import email.policy
import sys
import threading

from aiosmtpd.controller import Controller

from fake_http import JSONHandler, serve

SMTP_PORT, HTTP_PORT, FAIL_FIRST = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
lock = threading.Lock()
received = []
refused = []


class Sink:
    async def handle_DATA(self, server, session, envelope):
        with lock:
            if len(refused) < FAIL_FIRST:
                refused.append(envelope.rcpt_tos)
                return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        with lock:
            received.append({
                "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "from": str(message["From"]), "to": str(message["To"]), "subject": str(message["Subject"]),
                "message_id": str(message["Message-ID"]), "kind": str(message["X-Commerce-Email"]),
                "event_id": str(message["X-Commerce-Event"]), "content_type": message.get_content_type(),
                "text": text.get_content() if text is not None else None,
                "html": html.get_content() if html is not None else None,
            })
        return "250 2.0.0 Message accepted"


class Handler(JSONHandler):
    def do_GET(self):
        if self.path == "/_received":
            with lock:
                return self.answer(200, {"received": received, "refused": len(refused)})
        self.answer(404, {"error": "not found"})


controller = Controller(Sink(), hostname="127.0.0.1", port=SMTP_PORT)
controller.start()
serve(HTTP_PORT, Handler)
