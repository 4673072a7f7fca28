"""An SMTP sink for the tests: a real SMTP server (`aiosmtpd`) that keeps every message it
accepts, answers `451` to the first FAIL_FIRST messages (a forced temporary failure), and
refuses recipients whose address starts with `bounce` (550, a permanent failure), and
lists what arrived at `GET /_received` on HTTP_PORT, parsed with Python's `email` package
(subject decoded, plain text and HTML parts decoded).

With CERT_DIR, USER and PASSWORD it behaves like a submission server: it makes a
self-signed certificate for `localhost` in CERT_DIR (`cert.pem` is what clients must
trust), requires STARTTLS before anything else, and requires AUTH as USER/PASSWORD.

Usage: smtp_sink.py SMTP_PORT HTTP_PORT FAIL_FIRST [CERT_DIR USER PASSWORD]
"""
import email
import email.policy
import os
import ssl
import subprocess
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from fake_http import JSONHandler, serve

SMTP_PORT, HTTP_PORT, FAIL_FIRST = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
SECURE = len(sys.argv) > 6
lock = threading.Lock()
received = []
refused = []


class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

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
                "reply_to": message["Reply-To"] and str(message["Reply-To"]),
                "message_id": str(message["Message-ID"]), "kind": str(message["X-Commerce-Email"]),
                "event_id": str(message["X-Commerce-Event"]), "content_type": message.get_content_type(),
                "list_unsubscribe": message["List-Unsubscribe"] and str(message["List-Unsubscribe"]),
                "list_unsubscribe_post": message["List-Unsubscribe-Post"] and str(message["List-Unsubscribe-Post"]),
                "text": text.get_content() if text is not None else None,
                "html": html.get_content() if html is not None else None,
                "tls": session.ssl is not None,
                "login": session.auth_data if session.authenticated else None,
            })
        return "250 2.0.0 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)


class Handler(JSONHandler):
    def do_GET(self):
        if self.path == "/_received":
            with lock:
                return self.answer(200, {"received": received, "refused": len(refused)})
        self.answer(404, {"error": "not found"})


if SECURE:
    CERT_DIR, USER, PASSWORD = sys.argv[4], sys.argv[5], sys.argv[6]
    cert, key = os.path.join(CERT_DIR, "cert.pem"), os.path.join(CERT_DIR, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(Sink(), hostname="127.0.0.1", port=SMTP_PORT, server_hostname="localhost", tls_context=context,
                            require_starttls=True, authenticator=authenticator, auth_required=True, auth_require_tls=True)
else:
    controller = Controller(Sink(), hostname="127.0.0.1", port=SMTP_PORT)
controller.start()
serve(HTTP_PORT, Handler)
