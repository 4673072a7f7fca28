import Testing
@testable import Gateway

/// What `BOOTSTRAP_ADMIN_PASSWORD_HASH` accepts: bcrypt as our verifier reads it.
@Suite("Gateway: the first admin's password hash")
struct FirstAdminHashTests {
    @Test("$2a$/$2b$ are kept, htpasswd's $2y$ becomes $2b$ and then verifies; anything else is refused")
    func usableHashes() async {
        let hasher = PasswordHasher(cost: 4)
        let hash = await hasher.hash("a long admin password")
        #expect(hash.hasPrefix("$2b$04$"))
        let htpasswd = "$2y$" + hash.dropFirst(4)
        #expect(await hasher.verify("a long admin password", against: htpasswd) == false,
                "the verifier does not read $2y$ itself, which is why the gateway rewrites it")
        let usable = BootstrapAdmin.usableHash(htpasswd)
        #expect(usable == hash)
        #expect(await hasher.verify("a long admin password", against: usable) == true)
        #expect(BootstrapAdmin.usableHash(hash) == hash)
        #expect(BootstrapAdmin.usableHash("$2a$" + hash.dropFirst(4)) == "$2a$" + hash.dropFirst(4))
        for refused in ["plain password", "$2x$" + hash.dropFirst(4), "$1$abc$def", String(hash.dropLast()), hash + "x"] {
            #expect(BootstrapAdmin.usableHash(refused) == nil, "\(refused)")
        }
    }
}
