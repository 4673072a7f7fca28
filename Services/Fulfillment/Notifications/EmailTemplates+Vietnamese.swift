extension EmailTemplates {
    /// The Vietnamese templates (same names and variables as ``english``).
    static let vietnamese: [String: String] = [
        "layout.html": """
            <!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{{subject}}</title></head>
            <body style="font-family:Helvetica,Arial,sans-serif;color:#222;max-width:600px;margin:0 auto;padding:16px">
            <h2 style="margin-top:0">{{shopName}}</h2>
            {{{body}}}
            <p style="color:#777;font-size:12px">{{shopName}} · Bạn nhận được email này vì có đơn hàng hoặc tài khoản tại cửa hàng của chúng tôi.</p>
            </body></html>
            """,

        "order_confirmation.subject": "{{%CONTENT_TYPE: TEXT}}Đã nhận đơn hàng {{orderNumber}}",
        "order_confirmation.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            cảm ơn bạn đã đặt đơn hàng {{orderNumber}}.

            {{#lines}}
            {{quantity}} × {{title}} ({{sku}}): {{lineTotal}}
            {{/lines}}
            Tổng cộng: {{total}}

            Thanh toán: {{#method.cod}}thanh toán khi nhận hàng (COD){{/method.cod}}{{#method.bank_transfer}}chuyển khoản ngân hàng{{/method.bank_transfer}}{{#method.card}}thẻ{{/method.card}}
            {{#paymentDueBy}}Vui lòng thanh toán trước {{paymentDueBy}}, nếu không đơn hàng sẽ bị hủy.
            {{/paymentDueBy}}{{#address}}Giao đến: {{address}}
            {{/address}}
            Đơn hàng của bạn: {{orderUrl}}
            """,
        "order_confirmation.html": """
            <p>Xin chào {{customerName}},</p>
            <p>cảm ơn bạn đã đặt đơn hàng <strong>{{orderNumber}}</strong>.</p>
            <table style="border-collapse:collapse;width:100%">
            {{#lines}}<tr><td>{{quantity}} × {{title}}</td><td style="text-align:right">{{lineTotal}}</td></tr>{{/lines}}
            <tr><td><strong>Tổng cộng</strong></td><td style="text-align:right"><strong>{{total}}</strong></td></tr>
            </table>
            <p>Thanh toán: {{#method.cod}}thanh toán khi nhận hàng (COD){{/method.cod}}{{#method.bank_transfer}}chuyển khoản ngân hàng{{/method.bank_transfer}}{{#method.card}}thẻ{{/method.card}}</p>
            {{#paymentDueBy}}<p>Vui lòng thanh toán trước {{paymentDueBy}}, nếu không đơn hàng sẽ bị hủy.</p>{{/paymentDueBy}}
            {{#address}}<p>Giao đến: {{address}}</p>{{/address}}
            <p><a href="{{orderUrl}}">Xem đơn hàng</a></p>
            """,

        "payment_received.subject": "{{%CONTENT_TYPE: TEXT}}Đã nhận thanh toán cho đơn hàng {{orderNumber}}",
        "payment_received.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            chúng tôi đã nhận {{total}} cho đơn hàng {{orderNumber}}.{{#hasShipment}} Chúng tôi đang đóng gói hàng cho bạn.{{/hasShipment}}
            {{#hasDownloads}}

            Tệp tải về của bạn (mỗi liên kết dùng được đến {{downloadsExpireAt}}):
            {{#downloads}}
            {{title}}: {{url}}
            {{/downloads}}
            {{/hasDownloads}}

            Đơn hàng của bạn: {{orderUrl}}
            """,
        "payment_received.html": """
            <p>Xin chào {{customerName}},</p>
            <p>chúng tôi đã nhận <strong>{{total}}</strong> cho đơn hàng <strong>{{orderNumber}}</strong>.{{#hasShipment}} Chúng tôi đang đóng gói hàng cho bạn.{{/hasShipment}}</p>
            {{#hasDownloads}}<p>Tệp tải về của bạn (mỗi liên kết dùng được đến {{downloadsExpireAt}}):</p>
            <ul>{{#downloads}}<li><a href="{{url}}">{{title}}</a></li>{{/downloads}}</ul>{{/hasDownloads}}
            <p><a href="{{orderUrl}}">Xem đơn hàng</a></p>
            """,

        "shipped.subject": "{{%CONTENT_TYPE: TEXT}}Đơn hàng {{orderNumber}} đang được giao",
        "shipped.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            {{#allShipped}}đơn hàng {{orderNumber}} đã rời kho của chúng tôi.{{/allShipped}}{{^allShipped}}một phần đơn hàng {{orderNumber}} đã rời kho; phần còn lại sẽ được gửi sau.{{/allShipped}}

            {{#lines}}
            {{quantity}} × {{title}}
            {{/lines}}
            {{#tracking.carrier}}Đơn vị vận chuyển: {{tracking.carrier}}
            {{/tracking.carrier}}{{#tracking.number}}Mã vận đơn: {{tracking.number}}
            {{/tracking.number}}{{#tracking.url}}Theo dõi: {{tracking.url}}
            {{/tracking.url}}
            Đơn hàng của bạn: {{orderUrl}}
            """,
        "shipped.html": """
            <p>Xin chào {{customerName}},</p>
            <p>{{#allShipped}}đơn hàng <strong>{{orderNumber}}</strong> đã rời kho của chúng tôi.{{/allShipped}}{{^allShipped}}một phần đơn hàng <strong>{{orderNumber}}</strong> đã rời kho; phần còn lại sẽ được gửi sau.{{/allShipped}}</p>
            <ul>{{#lines}}<li>{{quantity}} × {{title}}</li>{{/lines}}</ul>
            {{#tracking.carrier}}<p>Đơn vị vận chuyển: {{tracking.carrier}}</p>{{/tracking.carrier}}
            {{#tracking.number}}<p>Mã vận đơn: <strong>{{tracking.number}}</strong></p>{{/tracking.number}}
            {{#tracking.url}}<p><a href="{{tracking.url}}">Theo dõi kiện hàng</a></p>{{/tracking.url}}
            <p><a href="{{orderUrl}}">Xem đơn hàng</a></p>
            """,

        "delivered.subject": "{{%CONTENT_TYPE: TEXT}}Đơn hàng {{orderNumber}} đã được giao",
        "delivered.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            {{#allDelivered}}đơn hàng {{orderNumber}} đã được giao. Chúc bạn hài lòng!{{/allDelivered}}{{^allDelivered}}một kiện hàng của đơn {{orderNumber}} đã được giao.{{/allDelivered}}

            Đơn hàng của bạn: {{orderUrl}}
            """,
        "delivered.html": """
            <p>Xin chào {{customerName}},</p>
            <p>{{#allDelivered}}đơn hàng <strong>{{orderNumber}}</strong> đã được giao. Chúc bạn hài lòng!{{/allDelivered}}{{^allDelivered}}một kiện hàng của đơn <strong>{{orderNumber}}</strong> đã được giao.{{/allDelivered}}</p>
            <p><a href="{{orderUrl}}">Xem đơn hàng</a></p>
            """,

        "cancelled.subject": "{{%CONTENT_TYPE: TEXT}}Đơn hàng {{orderNumber}} đã bị hủy",
        "cancelled.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            đơn hàng {{orderNumber}} đã bị hủy{{#reason.payment_timeout}} vì chưa nhận được thanh toán đúng hạn{{/reason.payment_timeout}}{{#reason.customer}} theo yêu cầu của bạn{{/reason.customer}}{{#reason.staff}} bởi nhân viên cửa hàng{{/reason.staff}}{{#reason.payment_failed}} vì không thể thực hiện thanh toán{{/reason.payment_failed}}.
            Nếu bạn đã thanh toán, chúng tôi sẽ hoàn tiền cho bạn.

            Đơn hàng của bạn: {{orderUrl}}
            """,
        "cancelled.html": """
            <p>Xin chào {{customerName}},</p>
            <p>đơn hàng <strong>{{orderNumber}}</strong> đã bị hủy{{#reason.payment_timeout}} vì chưa nhận được thanh toán đúng hạn{{/reason.payment_timeout}}{{#reason.customer}} theo yêu cầu của bạn{{/reason.customer}}{{#reason.staff}} bởi nhân viên cửa hàng{{/reason.staff}}{{#reason.payment_failed}} vì không thể thực hiện thanh toán{{/reason.payment_failed}}.</p>
            <p>Nếu bạn đã thanh toán, chúng tôi sẽ hoàn tiền cho bạn.</p>
            <p><a href="{{orderUrl}}">Xem đơn hàng</a></p>
            """,

        "refunded.subject": "{{%CONTENT_TYPE: TEXT}}Hoàn tiền {{amount}} cho đơn hàng {{orderNumber}}",
        "refunded.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            chúng tôi đã hoàn {{amount}} cho đơn hàng {{orderNumber}}{{#fullyRefunded}}: toàn bộ số tiền đã thanh toán{{/fullyRefunded}}{{^fullyRefunded}} (đã hoàn {{refundedTotal}} trên {{captured}}){{/fullyRefunded}}.
            {{#method.card}}Tiền sẽ về thẻ của bạn trong 5 đến 10 ngày làm việc.{{/method.card}}{{^method.card}}Chúng tôi sẽ chuyển khoản cho bạn; nhân viên sẽ liên hệ nếu cần số tài khoản của bạn.{{/method.card}}

            Đơn hàng của bạn: {{orderUrl}}
            """,
        "refunded.html": """
            <p>Xin chào {{customerName}},</p>
            <p>chúng tôi đã hoàn <strong>{{amount}}</strong> cho đơn hàng <strong>{{orderNumber}}</strong>{{#fullyRefunded}}: toàn bộ số tiền đã thanh toán{{/fullyRefunded}}{{^fullyRefunded}} (đã hoàn {{refundedTotal}} trên {{captured}}){{/fullyRefunded}}.</p>
            <p>{{#method.card}}Tiền sẽ về thẻ của bạn trong 5 đến 10 ngày làm việc.{{/method.card}}{{^method.card}}Chúng tôi sẽ chuyển khoản cho bạn; nhân viên sẽ liên hệ nếu cần số tài khoản của bạn.{{/method.card}}</p>
            <p><a href="{{orderUrl}}">Xem đơn hàng</a></p>
            """,

        "staff_invitation.subject": "{{%CONTENT_TYPE: TEXT}}Lời mời quản lý {{shopName}}",
        "staff_invitation.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            bạn được mời tham gia {{shopName}} với vai trò {{role}}. Hãy chọn mật khẩu trước {{expiresAt}}:

            {{#acceptUrl}}{{acceptUrl}}{{/acceptUrl}}{{^acceptUrl}}POST /api/admin/auth/accept-invitation {"token": "{{token}}", "password": "<mật khẩu của bạn>"}{{/acceptUrl}}

            Liên kết chỉ dùng được một lần. Nếu bạn không mong đợi email này, hãy bỏ qua.
            """,
        "staff_invitation.html": """
            <p>Xin chào {{customerName}},</p>
            <p>bạn được mời tham gia {{shopName}} với vai trò {{role}}. Hãy chọn mật khẩu trước {{expiresAt}}:</p>
            {{#acceptUrl}}<p><a href="{{acceptUrl}}">Nhận lời mời</a></p>{{/acceptUrl}}{{^acceptUrl}}<p><code>POST /api/admin/auth/accept-invitation {"token": "{{token}}", "password": "…"}</code></p>{{/acceptUrl}}
            <p>Liên kết chỉ dùng được một lần. Nếu bạn không mong đợi email này, hãy bỏ qua.</p>
            """,


        "password_reset.subject": "{{%CONTENT_TYPE: TEXT}}Đặt lại mật khẩu {{shopName}}",
        "password_reset.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            có người (hy vọng là bạn) đã yêu cầu đặt lại mật khẩu tài khoản của bạn. Hãy chọn mật khẩu mới tại đây trước {{expiresAt}}:

            {{resetUrl}}

            Nếu không phải bạn, hãy bỏ qua email này: mật khẩu của bạn vẫn giữ nguyên.
            """,
        "password_reset.html": """
            <p>Xin chào {{customerName}},</p>
            <p>có người (hy vọng là bạn) đã yêu cầu đặt lại mật khẩu tài khoản của bạn. Hãy chọn mật khẩu mới trước {{expiresAt}}:</p>
            <p><a href="{{resetUrl}}">Đặt lại mật khẩu</a></p>
            <p>Nếu không phải bạn, hãy bỏ qua email này: mật khẩu của bạn vẫn giữ nguyên.</p>
            """,

        "email_verification.subject": "{{%CONTENT_TYPE: TEXT}}Xác nhận email tại {{shopName}}",
        "email_verification.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            vui lòng xác nhận địa chỉ email này là của bạn, trước {{expiresAt}}:

            {{verifyUrl}}

            Sau đó, các đơn hàng bạn đã đặt không cần tài khoản bằng địa chỉ này sẽ hiện trong tài khoản của bạn.
            """,
        "email_verification.html": """
            <p>Xin chào {{customerName}},</p>
            <p>vui lòng xác nhận địa chỉ email này là của bạn, trước {{expiresAt}}:</p>
            <p><a href="{{verifyUrl}}">Xác nhận email</a></p>
            <p>Sau đó, các đơn hàng bạn đã đặt không cần tài khoản bằng địa chỉ này sẽ hiện trong tài khoản của bạn.</p>
            """,

        "abandoned_cart.subject": "{{%CONTENT_TYPE: TEXT}}Bạn còn sản phẩm trong giỏ hàng",
        "abandoned_cart.text": """
            {{%CONTENT_TYPE: TEXT}}Xin chào {{customerName}},

            giỏ hàng của bạn vẫn còn:
            {{#lines}}
            {{quantity}} × {{title}}
            {{/lines}}

            Tiếp tục mua sắm: {{cartUrl}}

            Không nhận những lời nhắc như thế này nữa: {{unsubscribeUrl}}
            """,
        "abandoned_cart.html": """
            <p>Xin chào {{customerName}},</p>
            <p>giỏ hàng của bạn vẫn còn:</p>
            <ul>{{#lines}}<li>{{quantity}} × {{title}}</li>{{/lines}}</ul>
            <p><a href="{{cartUrl}}">Tiếp tục mua sắm</a></p>
            <p style="font-size:12px"><a href="{{unsubscribeUrl}}">Không nhận những lời nhắc như thế này nữa</a></p>
            """,
    ]
}
