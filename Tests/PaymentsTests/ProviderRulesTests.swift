import Foundation
import ServiceKit
import Testing
@testable import Payments

/// The provider-facing rules that decide whether money is ours: the VietQR payload a bank
/// app reads, the card webhook signature, the SePay key and finding the order in a transfer.
@Suite("Payment provider rules")
struct ProviderRulesTests {
    @Test("VietQR: EMVCo fields in order, lengths counted in bytes, CRC-16/CCITT-FALSE over everything before it")
    func vietQR() {
        #expect(VietQR.crc16("123456789") == "29B1", "the CRC-16/CCITT-FALSE check value")
        let qr = VietQR(bankBin: "970436", accountNumber: "0011001234567", amount: 520_000, purpose: "DH SHOP-20261122-0001")
        let payload = qr.payload
        #expect(payload.hasPrefix("000201010212"), "format 01, dynamic (one payment)")
        #expect(payload.contains("38570010A00000072701270006970436011300110012345670208QRIBFTTA"))
        #expect(payload.contains("5303704") && payload.contains("5406520000") && payload.contains("5802VN"))
        #expect(payload.contains("62250821DH SHOP-20261122-0001"))
        let body = payload.dropLast(4)
        #expect(body.hasSuffix("6304") && String(payload.suffix(4)) == VietQR.crc16(String(body)))
    }

    @Test("card webhooks: any matching v1 passes; a wrong secret, a tampered body, an old or future timestamp fail")
    func stripeSignature() throws {
        let secret = "whsec_unit_test"
        let body = Data(#"{"id":"evt_1","type":"payment_intent.succeeded"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let t = Int(now.timeIntervalSince1970)
        let good = TimestampedSignature.sign(body: body, timestamp: t, secret: secret)
        let verifier = StripeSignature(secret: secret)
        try verifier.verify(header: "t=\(t),v1=\(good)", body: body, now: now)
        try verifier.verify(header: "t=\(t),v1=\(String(repeating: "0", count: 64)),v1=\(good),v0=ignored", body: body, now: now)
        try verifier.verify(header: "t=\(t - 299),v1=\(TimestampedSignature.sign(body: body, timestamp: t - 299, secret: secret))", body: body, now: now)
        #expect(throws: StripeSignature.Failure.mismatch) {
            try verifier.verify(header: "t=\(t),v1=\(TimestampedSignature.sign(body: body, timestamp: t, secret: "whsec_other"))", body: body, now: now)
        }
        #expect(throws: StripeSignature.Failure.mismatch) {
            try verifier.verify(header: "t=\(t),v1=\(good)", body: Data(#"{"id":"evt_2","type":"payment_intent.succeeded"}"#.utf8), now: now)
        }
        #expect(throws: StripeSignature.Failure.timestampOutsideTolerance) {
            try verifier.verify(header: "t=\(t - 301),v1=\(TimestampedSignature.sign(body: body, timestamp: t - 301, secret: secret))", body: body, now: now)
        }
        #expect(throws: StripeSignature.Failure.timestampOutsideTolerance) {
            try verifier.verify(header: "t=\(t + 301),v1=\(TimestampedSignature.sign(body: body, timestamp: t + 301, secret: secret))", body: body, now: now)
        }
        try verifier.verify(header: "t=\(t),v1=\(good.uppercased())", body: body, now: now)
        for forged in [String(good.dropLast()), good + "0", "zz" + good.dropFirst(2)] {
            #expect(throws: StripeSignature.Failure.mismatch, "\(forged)") { try verifier.verify(header: "t=\(t),v1=\(forged)", body: body, now: now) }
        }
        #expect(throws: StripeSignature.Failure.noSignature) { try verifier.verify(header: "t=\(t),v0=\(good)", body: body, now: now) }
        #expect(throws: StripeSignature.Failure.malformedHeader) { try verifier.verify(header: nil, body: body, now: now) }
    }

    @Test("SePay: only `Apikey <key>` opens; order numbers are found with or without separators, never from a longer number")
    func sepay() {
        let accounts = PaymentAccounts(sepayHeaderDigest: PaymentAccounts.sepayDigest(ofKey: "k3y"))
        #expect(accounts.sepayAuthorizes("Apikey k3y"))
        #expect(!accounts.sepayAuthorizes("Apikey k3") && !accounts.sepayAuthorizes("Bearer k3y"))
        #expect(!accounts.sepayAuthorizes(nil) && !PaymentAccounts.none.sepayAuthorizes("Apikey "), "a store without a key refuses everything")
        #expect(SePayWebhook.orderNumber(in: "DH SHOP-20261122-0042", prefix: "SHOP") == "SHOP-20261122-0042")
        #expect(SePayWebhook.orderNumber(in: "MBVCB.123 dh shop202611220042 chuyen tien", prefix: "SHOP") == "SHOP-20261122-0042")
        #expect(SePayWebhook.orderNumber(in: "DH SHOP 20261122 12345", prefix: "SHOP") == "SHOP-20261122-12345")
        #expect(SePayWebhook.orderNumber(in: "DH SHOP-7K3M9QXA", prefix: "SHOP") == "SHOP-7K3M9QXA", "a random number")
        #expect(SePayWebhook.orderNumber(in: "MBVCB.99 dh shop7k3m9qxa chuyen tien", prefix: "SHOP") == "SHOP-7K3M9QXA")
        #expect(SePayWebhook.orderNumber(in: "DHSHOP7K3M9QXA", prefix: "SHOP") == "SHOP-7K3M9QXA", "the bank dropped every space")
        #expect(SePayWebhook.orderNumber(in: "DH SHOP - 7K3M9QXA", prefix: "SHOP") == "SHOP-7K3M9QXA")
        #expect(SePayWebhook.orderNumber(in: "DH SHOP-7K3M9QXAB", prefix: "SHOP") == nil, "characters run on: not this order")
        #expect(SePayWebhook.orderNumber(in: "DH SHOP-7K3M9QI", prefix: "SHOP") == nil, "seven characters, one not in the alphabet")
        #expect(SePayWebhook.orderNumber(in: "DH SHOP-20261122", prefix: "SHOP") == nil, "eight digits are a date, never a random number")
        #expect(SePayWebhook.orderNumber(in: "DH SHOP-20261122-0042123", prefix: "SHOP") == nil, "digits run on: not this order")
        #expect(SePayWebhook.orderNumber(in: "tien hang thang 11", prefix: "SHOP") == nil)
    }
}
