import EventContracts
import ServiceKit

/// The gateway's own routes (identity and the identity part of the admin API) as documented
/// in `/openapi.json`; the services' routes join them under `/api/<service>`.
enum GatewayContract {
    static let email = Schema.string(format: "email", maxLength: 254)
    static let password = Schema.string(minLength: 8, maxLength: 72, description: "8 characters to 72 bytes.")

    static let contract = APIContract(
        [
            .init(AuthController.self, [
                APIOperation(.post, "/api/auth/register", id: "registerCustomer", summary: "Create a customer account and sign in.",
                             tag: "identity", body: Schema.object([
                                 "email": email, "password": password, "name": Schema.string(minLength: 1, maxLength: 100),
                                 "phone": Schema.string(pattern: #"^\+?[0-9]{8,15}$"#),
                             ], required: ["email", "password", "name"]),
                             answers: [.init(201, "Registered and signed in.", schema: Schema.ref("Session")),
                                       .init(409, "An account with this email exists.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/api/auth/login", id: "logIn", summary: "Sign a customer in.", tag: "identity", body: Schema.object(["email": Schema.string(), "password": Schema.string()], required: ["email", "password"]),
                             answers: [.init(200, "Signed in.", schema: Schema.ref("Session")),
                                       .init(403, "The account is blocked.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/api/auth/refresh", id: "refreshSession",
                             summary: "Trade a refresh token for a new access token and a new refresh token (the old one is spent).",
                             tag: "identity", body: refreshBody,
                             answers: [.init(200, "A new session.", schema: Schema.ref("Session"))]),
                APIOperation(.post, "/api/auth/logout", id: "logOut", summary: "Revoke a refresh token and its family.",
                             tag: "identity", body: refreshBody,
                             answers: [.init(204, "Revoked (also when it was unknown).")]),
            ]),
            .init(PasswordResetController.self, [
                APIOperation(.post, "/api/auth/password-reset", id: "requestPasswordReset",
                             summary: "Email a single-use password reset link (the answer is the same for unknown emails).",
                             tag: "identity", body: Schema.object(["email": email], required: ["email"]),
                             answers: [.init(202, "If the account exists, a link is on its way.")]),
                APIOperation(.post, "/api/auth/password-reset/confirm", id: "confirmPasswordReset",
                             summary: "Set a new password with a reset token.", tag: "identity", body: Schema.object(["token": Schema.string(), "new_password": password], required: ["token", "new_password"]),
                             answers: [.init(204, "Changed; every session of the account is signed out.")]),
            ]),
            .init(EmailVerificationController.self, [
                APIOperation(.post, "/api/auth/verify-email", id: "verifyEmail",
                             summary: "Prove the account's email with the token from the verification email; guest orders placed with it join the account.",
                             tag: "identity", body: Schema.object(["token": Schema.string(minLength: 1, maxLength: 200)], required: ["token"]),
                             answers: [.init(204, "Verified.")]),
            ]),
            .init(AccountController.self, [
                APIOperation(.post, "/api/me/email-verification", id: "requestEmailVerification",
                             summary: "Send the verification email again.", tag: "identity", answers: [.init(202, "On its way."), .init(409, "The email is already verified.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/api/me", id: "me", summary: "The signed-in customer.", tag: "identity", answers: [.init(200, "The customer.", schema: Schema.ref("Customer"))]),
                APIOperation(.post, "/api/me/password", id: "changePassword", summary: "Change the signed-in customer's password.",
                             tag: "identity", body: Schema.object(["current_password": Schema.string(), "new_password": password],
                                                 required: ["current_password", "new_password"]),
                             answers: [.init(204, "Changed.")]),
            ]),
            .init(StaffSignInController.self, [
                APIOperation(.post, "/api/admin/auth/login", id: "logInStaff", summary: "Sign a staff member in.", tag: "admin",
                             body: Schema.object(["email": Schema.string(), "password": Schema.string()], required: ["email", "password"]),
                             answers: [.init(200, "Signed in.", schema: Schema.ref("StaffSession"))]),
                APIOperation(.post, "/api/admin/auth/accept-invitation", id: "acceptStaffInvitation",
                             summary: "Set a password with a single-use staff invitation (the first admin's is printed by the gateway) and sign in.",
                             tag: "admin", body: Schema.object(["token": Schema.string(minLength: 1, maxLength: 200), "password": password], required: ["token", "password"]),
                             answers: [.init(200, "Signed in.", schema: Schema.ref("StaffSession")),
                                       .init(401, "The invitation is used, expired or unknown.", schema: Schema.ref("Problem"))]),
            ]),
            .init(StaffAccountsController.self, [
                APIOperation(.post, "/api/admin/staff", id: "createStaff", summary: "Create a staff account, a member of the store the admin works in.", tag: "admin", body: Schema.object([
                                 "email": email, "password": password, "name": Schema.string(minLength: 1, maxLength: 100),
                                 "role": Schema.string(oneOf: ["admin", "staff"]),
                             ], required: ["email", "password", "name", "role"]),
                             answers: [.init(201, "Created.", schema: Schema.ref("StaffUser")),
                                       .init(409, "A staff account with this email exists.", schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/api/admin/staff", id: "listStaff", summary: "The staff of the store the admin works in, with their role there.", tag: "admin",
                             answers: [.init(200, "The staff.", schema: Schema.object(["items": Schema.array(of: Schema.ref("StaffUser"))], required: ["items"]))]),
                APIOperation(.patch, "/api/admin/staff/{id}", id: "editStaff",
                             summary: "Change a staff member's role or name; takes effect on their tokens within seconds.", tag: "admin", body: Schema.object(["role": Schema.string(oneOf: ["admin", "staff"]), "name": Schema.string(minLength: 1, maxLength: 100)]),
                             answers: [.init(200, "Changed.", schema: Schema.ref("StaffUser")),
                                       .init(409, "It would leave the store without an active owner or admin.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/api/admin/staff/{id}/block", id: "blockStaff",
                             summary: "Block a staff member: no sign-in, and their tokens stop working within seconds.", tag: "admin", answers: [.init(200, "Blocked.", schema: Schema.ref("StaffUser")),
                                       .init(409, "It would leave the store without an active owner or admin.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/api/admin/staff/{id}/unblock", id: "unblockStaff", summary: "Unblock a staff member.", tag: "admin",
                             answers: [.init(200, "Unblocked.", schema: Schema.ref("StaffUser"))]),
                APIOperation(.delete, "/api/admin/staff/{id}", id: "removeStaff",
                             summary: "Remove a staff account (kept for the audit trail; the email is free again); their tokens stop working within seconds.",
                             tag: "admin", answers: [.init(204, "Removed."),
                                       .init(409, "It would leave the store without an active owner or admin.", schema: Schema.ref("Problem"))]),
            ]),
            .init(CustomerAccountsController.self, [
                APIOperation(.get, "/api/admin/customers/{id}", id: "customer", summary: "A customer account.", tag: "admin",
                             answers: [.init(200, "The customer.", schema: Schema.ref("Customer"))]),
                APIOperation(.post, "/api/admin/customers/{id}/block", id: "blockCustomer",
                             summary: "Block a customer: no sign-in, no refresh, no orders.", tag: "admin", body: Schema.object(["reason": Schema.string(minLength: 1, maxLength: 500)], required: ["reason"]),
                             answers: [.init(200, "Blocked.", schema: Schema.ref("Customer"))]),
                APIOperation(.post, "/api/admin/customers/{id}/unblock", id: "unblockCustomer", summary: "Unblock a customer.",
                             tag: "admin", answers: [.init(200, "Unblocked.", schema: Schema.ref("Customer"))]),
            ]),
            .init(StoresController.self, [
                APIOperation(.post, "/api/platform/stores", id: "createStore",
                             summary: "Create a store: it answers at once in provisioning and opens when every service has set it up.",
                             tag: "platform", body: Schema.object([
                                 "name": Schema.string(minLength: 1, maxLength: 100),
                                 "slug": Schema.string(pattern: "^[a-z0-9][a-z0-9-]{1,62}$"),
                                 "country": Schema.string(pattern: "^[A-Z]{2}$"), "currency": Schema.string(pattern: "^[A-Z]{3}$"),
                                 "language": Schema.string(oneOf: ["vi", "en"]), "time_zone": Schema.string(),
                                 "order_prefix": Schema.string(pattern: "^[A-Z0-9]{1,10}$"), "owner_email": email,
                                 "support_email": email, "low_stock_threshold": Schema.integer(minimum: 0, maximum: 1_000_000),
                             ], required: ["name", "slug", "country", "currency", "language", "time_zone", "order_prefix", "owner_email"]),
                             answers: [.init(201, "Created; provisioning.", schema: Schema.ref("Store")),
                                       .init(409, "Another store has this slug or order-number prefix.",
                                             schema: Schema.ref("Problem"))]),
                APIOperation(.get, "/api/platform/stores", id: "listStores", summary: "Every store, oldest first.", tag: "platform",
                             answers: [.init(200, "The stores.", schema: Schema.object(["items": Schema.array(of: Schema.ref("Store"))], required: ["items"]))]),
                APIOperation(.get, "/api/platform/stores/{id}", id: "store", summary: "A store, with the services that have set it up.",
                             tag: "platform", answers: [.init(200, "The store.", schema: Schema.ref("Store"))]),
                APIOperation(.post, "/api/platform/stores/{id}/suspend", id: "suspendStore",
                             summary: "Close an open store's storefront and checkouts; its data stays.", tag: "platform",
                             body: Schema.object(["reason": Schema.string(minLength: 1, maxLength: 500)], required: ["reason"]),
                             answers: [.init(200, "Suspended (a suspended store stays as it is).", schema: Schema.ref("Store")),
                                       .init(409, "The store is still being set up.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/api/platform/stores/{id}/resume", id: "resumeStore", summary: "Open a suspended store again.",
                             tag: "platform", answers: [.init(200, "Open (an open store stays as it is).", schema: Schema.ref("Store")),
                                                        .init(409, "The store is still being set up.", schema: Schema.ref("Problem"))]),
                APIOperation(.post, "/api/platform/stores/{id}/publishable-key", id: "rotateStoreKey",
                             summary: "Give the store a new publishable key; the old one stops naming it (on other gateway instances within STORE_CACHE_SECONDS).", tag: "platform",
                             answers: [.init(200, "The store with its new key.", schema: Schema.ref("Store"))]),
            ]),
            .init(StoreSettingsController.self, [
                APIOperation(.get, "/api/admin/store", id: "ownStore", summary: "The store the admin works in: its settings, status and publishable key.",
                             tag: "admin", answers: [.init(200, "The store.", schema: Schema.ref("Store"))]),
                APIOperation(.put, "/api/admin/store/settings", id: "setStoreSettings",
                             summary: "Set the store's name, language, time zone, support email, low-stock threshold (an omitted optional clears it) and order-number style (omitted: as it was).",
                             tag: "admin", body: Schema.object([
                                 "name": Schema.string(minLength: 1, maxLength: 100), "language": Schema.string(oneOf: ["vi", "en"]),
                                 "time_zone": Schema.string(), "support_email": email,
                                 "low_stock_threshold": Schema.integer(minimum: 0, maximum: 1_000_000),
                                 "order_numbers": Schema.string(oneOf: OrderNumberStyle.allCases.map(\.rawValue),
                                                                description: "sequential (SHOP-20261122-0042) or random (SHOP-7K3M9QXA)."),
                             ], required: ["name", "language", "time_zone"]),
                             answers: [.init(200, "The store with its new settings; the services follow within moments.", schema: Schema.ref("Store")),
                                       .init(409, "The original store's settings are the deployment's configuration.", schema: Schema.ref("Problem"))]),
            ]),
        ],
        schemas: [
            ("Store", Schema.object([
                "id": Schema.uuid, "status": Schema.string(oneOf: ["provisioning", "active", "suspended"]),
                "settings": Schema.object([
                    "name": Schema.string(), "slug": Schema.string(), "country": Schema.string(), "currency": Schema.string(),
                    "language": Schema.string(oneOf: ["vi", "en"]), "time_zone": Schema.string(), "order_prefix": Schema.string(),
                    "support_email": Schema.string(description: "Where replies to the store's emails go."),
                    "low_stock_threshold": Schema.integer(minimum: 0, description: "Absent: the deployment's."),
                    "order_numbers": Schema.string(oneOf: OrderNumberStyle.allCases.map(\.rawValue), description: "Absent: sequential."),
                ], required: ["name", "slug", "country", "currency", "language", "time_zone", "order_prefix"]),
                "publishable_key": Schema.string(), "owner_email": Schema.string(), "suspended_reason": Schema.string(),
                "provisioned": Schema.array(of: Schema.string()),
                "created_at": Schema.timestamp,
            ], required: ["id", "status", "settings", "publishable_key", "provisioned", "created_at"])),
            ("Customer", Schema.object([
                "id": Schema.uuid, "email": Schema.string(), "name": Schema.string(), "phone": Schema.string(),
                "created_at": Schema.timestamp, "blocked": Schema.boolean, "email_verified": Schema.boolean,
            ], required: ["id", "email", "name", "created_at", "blocked", "email_verified"])),
            ("Session", Schema.object([
                "token_type": Schema.string(oneOf: ["Bearer"]), "access_token": Schema.string(),
                "expires_in": Schema.integer(minimum: 1, description: "Seconds the access token is valid."),
                "refresh_token": Schema.string(), "customer": Schema.ref("Customer"),
            ], required: ["token_type", "access_token", "expires_in", "refresh_token", "customer"])),
            ("StaffUser", Schema.object([
                "id": Schema.uuid, "email": Schema.string(), "name": Schema.string(), "role": Schema.string(oneOf: ["owner", "admin", "staff"]),
                "status": Schema.string(oneOf: ["active", "blocked", "invited"]),
            ], required: ["id", "email", "name", "role", "status"])),
            ("StaffSession", Schema.object([
                "token_type": Schema.string(oneOf: ["Bearer"]), "access_token": Schema.string(),
                "expires_in": Schema.integer(minimum: 1), "staff": Schema.ref("StaffUser"),
            ], required: ["token_type", "access_token", "expires_in", "staff"])),
        ])

    static let refreshBody = Schema.object(["refresh_token": Schema.string()], required: ["refresh_token"])
}
