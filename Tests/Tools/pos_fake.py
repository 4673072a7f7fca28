"""A local stand-in for a Pancake-style POS, for the tests: takes orders at
`POST /api/v1/shops/{shop}/orders?api_key=…` (the first FAIL_FIRST answered 503, a forced
failure), takes changes such as a cancellation (`{"order": {"status": 6}}`) at
`PUT /api/v1/shops/{shop}/orders/{id}?api_key=…`, serves stock counts at `GET /api/v1/shops/{shop}/products/variations?api_key=…`,
and, like the real POS, sends signed webhooks about an order's progress.

Several shops may be served at once, each with its own API key (a deployment's stores each
connect their own shop): SHOP_ID and API_KEY are then comma-separated lists, paired in order.

Test hooks: `GET /_orders` lists the orders received (each with its `shop`); `POST /_inventory`
sets the counts (`[{"display_id": sku, "remain_quantity": n}]`; `?shop=` names the shop, else
the first); `POST /_webhook` signs and sends one webhook
(`{"target": url, "secret": s, "event": {...}, "timestamp_offset": seconds}`) and answers
with the status the shop gave.

Usage: pos_fake.py PORT SHOP_ID API_KEY FAIL_FIRST
"""
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlparse

from fake_http import JSONHandler, serve

PORT, FAIL_FIRST = int(sys.argv[1]), int(sys.argv[4])
SHOPS = dict(zip(sys.argv[2].split(","), sys.argv[3].split(",")))
FIRST_SHOP = sys.argv[2].split(",")[0]
# Order ids stay unique across restarts of the fake, as a real POS's do.
START_ID = int(time.time() * 1000) % 1_000_000_000
lock = threading.Lock()
orders = []
attempts = []
inventory = {shop: [] for shop in SHOPS}


def shop_path(path):
    """The shop an API path names and the rest of the path, or (None, None)."""
    prefix = "/api/v1/shops/"
    if not path.startswith(prefix):
        return None, None
    shop, _, rest = path[len(prefix):].partition("/")
    return (shop, "/" + rest) if shop in SHOPS else (None, None)


class Handler(JSONHandler):
    def authorised(self, url, shop):
        return parse_qs(url.query).get("api_key", [""])[0] == SHOPS[shop]

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/_orders":
            with lock:
                return self.answer(200, {"orders": orders, "attempts": attempts})
        shop, rest = shop_path(url.path)
        if rest == "/products/variations":
            if not self.authorised(url, shop):
                return self.answer(401, {"success": False, "message": "api_key is invalid"})
            with lock:
                return self.answer(200, {"success": True, "data": inventory[shop]})
        self.answer(404, {"success": False, "message": "not found"})

    def do_PUT(self):
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        shop, rest = shop_path(url.path)
        if rest is not None and rest.startswith("/orders/"):
            if not self.authorised(url, shop):
                return self.answer(401, {"success": False, "message": "api_key is invalid"})
            ident = rest[len("/orders/"):]
            change = json.loads(body).get("order", {})
            with lock:
                order = next((o for o in orders if str(o["id"]) == ident and o["shop"] == shop), None)
                if order is None:
                    return self.answer(404, {"success": False, "message": "order not found"})
                order.update(change)
            return self.answer(200, {"success": True, "data": {"id": order["id"], "status": order.get("status")}})
        self.answer(404, {"success": False, "message": "not found"})

    def do_POST(self):
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if url.path == "/_inventory":
            shop = parse_qs(url.query).get("shop", [FIRST_SHOP])[0]
            with lock:
                inventory[shop] = json.loads(body)
            return self.answer(200, {"success": True})
        if url.path == "/_webhook":
            request = json.loads(body)
            payload = json.dumps(request["event"]).encode()
            timestamp = str(int(time.time()) + int(request.get("timestamp_offset", 0)))
            digest = hmac.new(request["secret"].encode(), timestamp.encode() + b"." + payload, hashlib.sha256).hexdigest()
            outgoing = urllib.request.Request(request["target"], data=payload, method="POST", headers={
                "Content-Type": "application/json", "X-Pos-Timestamp": timestamp, "X-Pos-Signature": "sha256=" + digest})
            try:
                with urllib.request.urlopen(outgoing, timeout=10) as response:
                    return self.answer(200, {"status": response.status, "body": json.loads(response.read() or b"null")})
            except urllib.error.HTTPError as failure:
                return self.answer(200, {"status": failure.code, "body": json.loads(failure.read() or b"null")})
        shop, rest = shop_path(url.path)
        if rest == "/orders":
            if not self.authorised(url, shop):
                return self.answer(401, {"success": False, "message": "api_key is invalid"})
            order = json.loads(body).get("order", {})
            with lock:
                attempts.append(order.get("custom_id"))
                if len(attempts) <= FAIL_FIRST:
                    return self.answer(503, {"success": False, "message": "temporarily unavailable"})
                ident = START_ID + len(orders)
                orders.append({"id": ident, "shop": shop, **order})
            return self.answer(200, {"success": True, "data": {"id": ident, "custom_id": order.get("custom_id")}})
        self.answer(404, {"success": False, "message": "not found"})


serve(PORT, Handler)
