"""Signs a webhook payload (stdin) with the official `stripe` library, as Stripe does, and
prints the Stripe-Signature header. The library's own verifier checks the header first.

Usage: stripe_sign.py SECRET [TIMESTAMP_OFFSET_SECONDS]
"""
import sys
import time

import stripe

secret = sys.argv[1]
offset = int(sys.argv[2]) if len(sys.argv) > 2 else 0
payload = sys.stdin.read()
timestamp = int(time.time()) + offset
signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
header = f"t={timestamp},v1={signature}"
if offset == 0:
    stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=300)
print(header)
