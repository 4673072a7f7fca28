/// An EMVCo merchant-presented QR payload in the NAPAS VietQR profile, for a bank transfer
/// of a fixed amount with its transfer content: every Vietnamese banking app reads it.
///
/// Tags: 00 format (01), 01 initiation (12: dynamic, one payment), 38 merchant account
/// (00 NAPAS GUID `A000000727`, 01 beneficiary: 00 bank BIN, 01 account; 02 service
/// `QRIBFTTA`, transfer to an account), 53 currency (704, VND), 54 amount, 58 country (VN),
/// 62 additional data (08 purpose: the transfer content), 63 CRC-16/CCITT-FALSE over all
/// before it, `6304` included.
struct VietQR: Sendable, Equatable {
    var bankBin: String
    var accountNumber: String
    var amount: Int64
    var purpose: String

    var payload: String {
        let beneficiary = Self.field("00", bankBin) + Self.field("01", accountNumber)
        let merchant = Self.field("00", "A000000727") + Self.field("01", beneficiary) + Self.field("02", "QRIBFTTA")
        var body = Self.field("00", "01") + Self.field("01", "12") + Self.field("38", merchant) + Self.field("53", "704")
        body += Self.field("54", String(amount)) + Self.field("58", "VN") + Self.field("62", Self.field("08", purpose))
        body += "6304"
        return body + Self.crc16(body)
    }

    static func field(_ id: String, _ value: String) -> String {
        let length = value.utf8.count
        return id + (length < 10 ? "0\(length)" : "\(length)") + value
    }

    /// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), four upper-case hex digits.
    static func crc16(_ text: String) -> String {
        var crc: UInt16 = 0xFFFF
        for byte in text.utf8 {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        let hex = String(crc, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }
}
