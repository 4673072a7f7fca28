"""A local stand-in for Stripe's API, speaking its wire format: form-encoded POSTs with a
bearer secret key and Idempotency-Key, JSON objects back. Enough for the payments service:
PaymentIntents (create, retrieve, cancel) and refunds. `GET /_requests` lists what it received
(for tests, each with the last four characters of the account's key); `POST /_intents/<id>`
with JSON `{"status": …, "amount_received": …}` sets an intent's state as the buyer's payment
at the provider would (for tests of reconciliation).

Accounts, as Stripe keeps them: SECRET_KEY is one, and any key starting with `sk_test_acct_`
is another (a store's own account, made on first use). An account sees its own intents only,
and its idempotency keys are its own.

Usage: card_provider.py PORT SECRET_KEY
"""
import json
import secrets
import sys
import threading
from urllib.parse import parse_qsl

from fake_http import JSONHandler, serve

PORT, SECRET_KEY = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
by_key = {}
intents = {}
received = []


def nested(form):
    """metadata[order_id]=x → {"metadata": {"order_id": "x"}}, as Stripe reads it."""
    result = {}
    for key, value in form:
        if "[" in key:
            outer, inner = key.split("[", 1)
            result.setdefault(outer, {})[inner.rstrip("]")] = value
        else:
            result[key] = value
    return result


def account(headers):
    """The account the bearer key opens, or None."""
    auth = headers.get("Authorization") or ""
    if not auth.startswith("Bearer "):
        return None
    key = auth[len("Bearer "):]
    return key if key == SECRET_KEY or key.startswith("sk_test_acct_") else None


def own_intent(ident, acct):
    intent = intents.get(ident)
    return intent if intent is not None and intent.get("_account") == acct else None


def public(intent):
    return {k: v for k, v in intent.items() if not k.startswith("_")}


class Handler(JSONHandler):
    def do_GET(self):
        if self.path == "/_requests":
            with lock:
                return self.answer(200, received)
        if self.path.startswith("/v1/payment_intents/"):
            acct = account(self.headers)
            if acct is None:
                return self.answer(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}})
            ident = self.path[len("/v1/payment_intents/"):]
            with lock:
                intent = own_intent(ident, acct)
                if intent is not None:
                    return self.answer(200, public(intent))
            return self.answer(404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                               "message": f"No such payment_intent: '{ident}'"}})
        self.answer(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if self.path.startswith("/_intents/"):
            change = json.loads(self.rfile.read(length) or b"{}")
            with lock:
                intent = intents.get(self.path[len("/_intents/"):])
                if intent is None:
                    return self.answer(404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}})
                intent.update({key: change[key] for key in ("status", "amount_received") if key in change})
                return self.answer(200, public(intent))
        form = nested(parse_qsl(self.rfile.read(length).decode()))
        acct = account(self.headers)
        if acct is None:
            return self.answer(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}})
        key = self.headers.get("Idempotency-Key")
        with lock:
            received.append({"path": self.path, "form": form, "idempotency_key": key, "account": acct[-4:]})
            if key and (acct, key) in by_key:
                return self.answer(200, by_key[(acct, key)])
        if self.path == "/v1/payment_intents":
            if not form.get("amount", "").isdigit() or int(form["amount"]) < 1:
                return self.answer(400, {"error": {"type": "invalid_request_error", "param": "amount", "message": "Invalid integer"}})
            ident = "pi_" + secrets.token_hex(12)
            body = {"id": ident, "object": "payment_intent", "amount": int(form["amount"]), "amount_received": 0,
                    "currency": form.get("currency"), "status": "requires_payment_method",
                    "client_secret": f"{ident}_secret_{secrets.token_hex(8)}", "metadata": form.get("metadata", {})}
            with lock:
                intents[ident] = dict(body, _account=acct)
        elif self.path.startswith("/v1/payment_intents/") and self.path.endswith("/cancel"):
            ident = self.path[len("/v1/payment_intents/"):-len("/cancel")]
            with lock:
                intent = own_intent(ident, acct)
                if intent is None:
                    return self.answer(404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                                       "message": f"No such payment_intent: '{ident}'"}})
                if intent["status"] in ("succeeded", "canceled"):
                    return self.answer(400, {"error": {"type": "invalid_request_error", "code": "payment_intent_unexpected_state",
                                                       "message": f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}."}})
                intent.update(status="canceled", cancellation_reason=form.get("cancellation_reason"))
                body = public(intent)
        elif self.path == "/v1/refunds":
            with lock:
                if own_intent(form.get("payment_intent"), acct) is None:
                    return self.answer(404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                                       "message": f"No such payment_intent: '{form.get('payment_intent')}'"}})
            body = {"id": "re_" + secrets.token_hex(12), "object": "refund", "amount": int(form.get("amount", "0")),
                    "payment_intent": form.get("payment_intent"), "status": "succeeded", "metadata": form.get("metadata", {})}
        else:
            return self.answer(404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}})
        with lock:
            if key:
                by_key[(acct, key)] = body
        self.answer(200, body)


serve(PORT, Handler)
