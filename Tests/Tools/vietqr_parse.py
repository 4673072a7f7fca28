"""Parses a VietQR payload (argv[1]) with the `vietnam-qr-pay` library and prints what a
banking app would read from it, as JSON."""
import json
import sys

from vietnam_qr_pay import QRPay

qr = QRPay(sys.argv[1])
print(json.dumps({
    "valid": qr.is_valid,
    "guid": qr.provider.guid,
    "service": qr.provider.service,
    "bank_bin": qr.consumer.bank_bin,
    "account": qr.consumer.bank_number,
    "amount": qr.amount,
    "currency": qr.currency,
    "nation": qr.nation,
    "purpose": qr.additional_data.purpose,
}))
