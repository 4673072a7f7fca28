extension EmailTemplates {
    /// The English templates. Text and subjects are `TEXT` templates (nothing escaped); HTML
    /// bodies are escaped and wrapped in `layout.html`.
    static let english: [String: String] = [
        "layout.html": """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{subject}}</title></head>
            <body style="font-family:Helvetica,Arial,sans-serif;color:#222;max-width:600px;margin:0 auto;padding:16px">
            <h2 style="margin-top:0">{{shopName}}</h2>
            {{{body}}}
            <p style="color:#777;font-size:12px">{{shopName}} · You receive this email because of an order or an account at our shop.</p>
            </body></html>
            """,

        "order_confirmation.subject": "{{%CONTENT_TYPE: TEXT}}Order {{orderNumber}} received",
        "order_confirmation.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            thank you for your order {{orderNumber}}.

            {{#lines}}
            {{quantity}} × {{title}} ({{sku}}): {{lineTotal}}
            {{/lines}}
            Total: {{total}}

            Payment: {{#method.cod}}cash on delivery{{/method.cod}}{{#method.bank_transfer}}bank transfer{{/method.bank_transfer}}{{#method.card}}card{{/method.card}}
            {{#paymentDueBy}}Please pay by {{paymentDueBy}}, or the order is cancelled.
            {{/paymentDueBy}}{{#address}}Ship to: {{address}}
            {{/address}}
            Your order: {{orderUrl}}
            """,
        "order_confirmation.html": """
            <p>Hello {{customerName}},</p>
            <p>thank you for your order <strong>{{orderNumber}}</strong>.</p>
            <table style="border-collapse:collapse;width:100%">
            {{#lines}}<tr><td>{{quantity}} × {{title}}</td><td style="text-align:right">{{lineTotal}}</td></tr>{{/lines}}
            <tr><td><strong>Total</strong></td><td style="text-align:right"><strong>{{total}}</strong></td></tr>
            </table>
            <p>Payment: {{#method.cod}}cash on delivery{{/method.cod}}{{#method.bank_transfer}}bank transfer{{/method.bank_transfer}}{{#method.card}}card{{/method.card}}</p>
            {{#paymentDueBy}}<p>Please pay by {{paymentDueBy}}, or the order is cancelled.</p>{{/paymentDueBy}}
            {{#address}}<p>Ship to: {{address}}</p>{{/address}}
            <p><a href="{{orderUrl}}">See your order</a></p>
            """,

        "payment_received.subject": "{{%CONTENT_TYPE: TEXT}}Payment received for order {{orderNumber}}",
        "payment_received.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            we received your payment of {{total}} for order {{orderNumber}}.{{#hasShipment}} We are packing it now.{{/hasShipment}}
            {{#hasDownloads}}

            Your downloads (each link works until {{downloadsExpireAt}}):
            {{#downloads}}
            {{title}}: {{url}}
            {{/downloads}}
            {{/hasDownloads}}

            Your order: {{orderUrl}}
            """,
        "payment_received.html": """
            <p>Hello {{customerName}},</p>
            <p>we received your payment of <strong>{{total}}</strong> for order <strong>{{orderNumber}}</strong>.{{#hasShipment}} We are packing it now.{{/hasShipment}}</p>
            {{#hasDownloads}}<p>Your downloads (each link works until {{downloadsExpireAt}}):</p>
            <ul>{{#downloads}}<li><a href="{{url}}">{{title}}</a></li>{{/downloads}}</ul>{{/hasDownloads}}
            <p><a href="{{orderUrl}}">See your order</a></p>
            """,

        "shipped.subject": "{{%CONTENT_TYPE: TEXT}}Order {{orderNumber}} is on its way",
        "shipped.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            {{#allShipped}}your order {{orderNumber}} has left our warehouse.{{/allShipped}}{{^allShipped}}part of your order {{orderNumber}} has left our warehouse; the rest follows.{{/allShipped}}

            {{#lines}}
            {{quantity}} × {{title}}
            {{/lines}}
            {{#tracking.carrier}}Carrier: {{tracking.carrier}}
            {{/tracking.carrier}}{{#tracking.number}}Tracking number: {{tracking.number}}
            {{/tracking.number}}{{#tracking.url}}Track it: {{tracking.url}}
            {{/tracking.url}}
            Your order: {{orderUrl}}
            """,
        "shipped.html": """
            <p>Hello {{customerName}},</p>
            <p>{{#allShipped}}your order <strong>{{orderNumber}}</strong> has left our warehouse.{{/allShipped}}{{^allShipped}}part of your order <strong>{{orderNumber}}</strong> has left our warehouse; the rest follows.{{/allShipped}}</p>
            <ul>{{#lines}}<li>{{quantity}} × {{title}}</li>{{/lines}}</ul>
            {{#tracking.carrier}}<p>Carrier: {{tracking.carrier}}</p>{{/tracking.carrier}}
            {{#tracking.number}}<p>Tracking number: <strong>{{tracking.number}}</strong></p>{{/tracking.number}}
            {{#tracking.url}}<p><a href="{{tracking.url}}">Track your parcel</a></p>{{/tracking.url}}
            <p><a href="{{orderUrl}}">See your order</a></p>
            """,

        "delivered.subject": "{{%CONTENT_TYPE: TEXT}}Order {{orderNumber}} was delivered",
        "delivered.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            {{#allDelivered}}your order {{orderNumber}} was delivered. We hope you enjoy it!{{/allDelivered}}{{^allDelivered}}a parcel of your order {{orderNumber}} was delivered.{{/allDelivered}}

            Your order: {{orderUrl}}
            """,
        "delivered.html": """
            <p>Hello {{customerName}},</p>
            <p>{{#allDelivered}}your order <strong>{{orderNumber}}</strong> was delivered. We hope you enjoy it!{{/allDelivered}}{{^allDelivered}}a parcel of your order <strong>{{orderNumber}}</strong> was delivered.{{/allDelivered}}</p>
            <p><a href="{{orderUrl}}">See your order</a></p>
            """,

        "cancelled.subject": "{{%CONTENT_TYPE: TEXT}}Order {{orderNumber}} was cancelled",
        "cancelled.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            your order {{orderNumber}} was cancelled{{#reason.payment_timeout}} because no payment arrived in time{{/reason.payment_timeout}}{{#reason.customer}} as you asked{{/reason.customer}}{{#reason.staff}} by our staff{{/reason.staff}}{{#reason.payment_failed}} because the payment could not be made{{/reason.payment_failed}}.
            If you had already paid, we refund you.

            Your order: {{orderUrl}}
            """,
        "cancelled.html": """
            <p>Hello {{customerName}},</p>
            <p>your order <strong>{{orderNumber}}</strong> was cancelled{{#reason.payment_timeout}} because no payment arrived in time{{/reason.payment_timeout}}{{#reason.customer}} as you asked{{/reason.customer}}{{#reason.staff}} by our staff{{/reason.staff}}{{#reason.payment_failed}} because the payment could not be made{{/reason.payment_failed}}.</p>
            <p>If you had already paid, we refund you.</p>
            <p><a href="{{orderUrl}}">See your order</a></p>
            """,

        "refunded.subject": "{{%CONTENT_TYPE: TEXT}}Refund of {{amount}} for order {{orderNumber}}",
        "refunded.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            we refunded {{amount}} for order {{orderNumber}}{{#fullyRefunded}}: the whole payment{{/fullyRefunded}}{{^fullyRefunded}} ({{refundedTotal}} of {{captured}} so far){{/fullyRefunded}}.
            {{#method.card}}It reaches your card within 5 to 10 working days.{{/method.card}}{{^method.card}}We transfer it to you; our staff will contact you if we need your bank account.{{/method.card}}

            Your order: {{orderUrl}}
            """,
        "refunded.html": """
            <p>Hello {{customerName}},</p>
            <p>we refunded <strong>{{amount}}</strong> for order <strong>{{orderNumber}}</strong>{{#fullyRefunded}}: the whole payment{{/fullyRefunded}}{{^fullyRefunded}} ({{refundedTotal}} of {{captured}} so far){{/fullyRefunded}}.</p>
            <p>{{#method.card}}It reaches your card within 5 to 10 working days.{{/method.card}}{{^method.card}}We transfer it to you; our staff will contact you if we need your bank account.{{/method.card}}</p>
            <p><a href="{{orderUrl}}">See your order</a></p>
            """,

        "staff_invitation.subject": "{{%CONTENT_TYPE: TEXT}}You are invited to run {{shopName}}",
        "staff_invitation.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            you have been invited to {{shopName}} as its {{role}}. Choose your password before {{expiresAt}}:

            {{#acceptUrl}}{{acceptUrl}}{{/acceptUrl}}{{^acceptUrl}}POST /api/admin/auth/accept-invitation {"token": "{{token}}", "password": "<your password>"}{{/acceptUrl}}

            The link works once. If you did not expect this, ignore this email.
            """,
        "staff_invitation.html": """
            <p>Hello {{customerName}},</p>
            <p>you have been invited to {{shopName}} as its {{role}}. Choose your password before {{expiresAt}}:</p>
            {{#acceptUrl}}<p><a href="{{acceptUrl}}">Accept the invitation</a></p>{{/acceptUrl}}{{^acceptUrl}}<p><code>POST /api/admin/auth/accept-invitation {"token": "{{token}}", "password": "…"}</code></p>{{/acceptUrl}}
            <p>The link works once. If you did not expect this, ignore this email.</p>
            """,


        "password_reset.subject": "{{%CONTENT_TYPE: TEXT}}Reset your {{shopName}} password",
        "password_reset.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            someone (we hope you) asked to reset the password of your account. Choose a new one here, before {{expiresAt}}:

            {{resetUrl}}

            If it was not you, ignore this email: your password stays as it is.
            """,
        "password_reset.html": """
            <p>Hello {{customerName}},</p>
            <p>someone (we hope you) asked to reset the password of your account. Choose a new one before {{expiresAt}}:</p>
            <p><a href="{{resetUrl}}">Reset my password</a></p>
            <p>If it was not you, ignore this email: your password stays as it is.</p>
            """,

        "email_verification.subject": "{{%CONTENT_TYPE: TEXT}}Confirm your email for {{shopName}}",
        "email_verification.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            please confirm that this address is yours, before {{expiresAt}}:

            {{verifyUrl}}

            Orders you placed as a guest with this address then appear in your account.
            """,
        "email_verification.html": """
            <p>Hello {{customerName}},</p>
            <p>please confirm that this address is yours, before {{expiresAt}}:</p>
            <p><a href="{{verifyUrl}}">Confirm my email</a></p>
            <p>Orders you placed as a guest with this address then appear in your account.</p>
            """,

        "abandoned_cart.subject": "{{%CONTENT_TYPE: TEXT}}You left something in your cart",
        "abandoned_cart.text": """
            {{%CONTENT_TYPE: TEXT}}Hello {{customerName}},

            your cart still holds:
            {{#lines}}
            {{quantity}} × {{title}}
            {{/lines}}

            Pick up where you left off: {{cartUrl}}

            No more reminders like this one: {{unsubscribeUrl}}
            """,
        "abandoned_cart.html": """
            <p>Hello {{customerName}},</p>
            <p>your cart still holds:</p>
            <ul>{{#lines}}<li>{{quantity}} × {{title}}</li>{{/lines}}</ul>
            <p><a href="{{cartUrl}}">Pick up where you left off</a></p>
            <p style="font-size:12px"><a href="{{unsubscribeUrl}}">No more reminders like this one</a></p>
            """,
    ]
}
