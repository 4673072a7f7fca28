import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceKit

/// A published page as a web page of its own: the link merchants share and the document their
/// iframes show. It reads the page from the widget API beside it and checks out through it;
/// its `Content-Security-Policy` lets only the page's embed origins frame it
/// (`frame-ancestors`), and runs only its own script (a nonce per answer).
struct HostedPage: Sendable {
    let page: CheckoutPage

    var response: Response {
        let nonce = Base64URL.random(bytes: 16)
        let ancestors = (["'self'"] + page.content.embedOrigins).joined(separator: " ")
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; "
            + "connect-src 'self'; img-src https: http: data:; form-action 'none'; base-uri 'none'; frame-ancestors \(ancestors)"
        headers[.init("Referrer-Policy")!] = "strict-origin-when-cross-origin"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: document(nonce: nonce))))
    }

    private func document(nonce: String) -> String {
        let title = EmbedCode.escaped(page.title)
        return """
            <!doctype html>
            <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <title>\(title)</title>
            <style nonce="\(nonce)">
            body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#111}
            main{max-width:520px;margin:0 auto;padding:24px;background:#fff;min-height:100vh}
            label{display:block;margin:12px 0 4px;font-weight:600}input,select,textarea{width:100%;padding:10px;box-sizing:border-box;border:1px solid #ccd;border-radius:6px;font:inherit}
            button{margin-top:20px;width:100%;padding:14px;border:0;border-radius:8px;background:#0f766e;color:#fff;font:600 17px system-ui}
            .error{color:#b42318;font-size:14px}.done{padding:16px;background:#ecfdf3;border-radius:8px}img{max-width:100%;border-radius:8px}
            </style></head>
            <body><main id="app"><h1>\(title)</h1><p>Loading…</p></main>
            <script nonce="\(nonce)">
            (async () => {
              const base = location.pathname.replace(/\\/pay$/, '');
              const app = document.getElementById('app');
              const el = (tag, attrs = {}, ...kids) => { const e = document.createElement(tag); Object.assign(e, attrs); e.append(...kids); return e; };
              const page = await (await fetch(base)).json();
              const form = el('form');
              app.replaceChildren(el('h1', {textContent: page.title}));
              if (page.image_url) app.append(el('img', {src: page.image_url, alt: ''}));
              if (page.description) app.append(el('p', {textContent: page.description}));
              const field = (name, label, input) => { input.name = name; form.append(el('label', {textContent: label}), input,
                el('div', {className: 'error', id: 'error-' + name})); return input; };
              const money = m => new Intl.NumberFormat(undefined, {style: 'currency', currency: m.currency}).format(m.minor_units / (m.currency === 'VND' ? 1 : 100));
              const option = field('option', 'Option', el('select'));
              for (const o of page.options.filter(o => o.on_sale)) option.append(el('option', {value: o.variant_id, textContent: o.label + ' — ' + money(o.price)}));
              field('quantity', 'Quantity', el('input', {type: 'number', min: page.quantity.min, max: page.quantity.max, value: page.quantity.min}));
              for (const [name, label, type] of [['contact.name', 'Name', 'text'], ['contact.email', 'Email', 'email'], ['contact.phone', 'Phone', 'tel'],
                   ['shipping_address.line1', 'Address', 'text'], ['shipping_address.ward', 'Ward / commune', 'text'],
                   ['shipping_address.province', 'Province / city', 'text']]) field(name, label, el('input', {type}));
              for (const f of page.fields) {
                let input;
                if (f.type === 'select') { input = el('select'); for (const c of f.choices) input.append(el('option', {value: c, textContent: c})); }
                else input = el('input', {type: {number: 'number', email: 'email', phone: 'tel', checkbox: 'checkbox', date: 'date'}[f.type] || 'text'});
                input.required = f.required && f.type !== 'checkbox';
                field('answers.' + f.key, f.label + (f.required ? ' *' : ''), input);
              }
              if (page.vouchers_allowed) field('voucher_code', 'Voucher', el('input', {type: 'text'}));
              const method = field('payment_method', 'Payment', el('select'));
              for (const m of page.payment_methods) method.append(el('option', {value: m, textContent: m}));
              form.append(el('button', {type: 'submit', textContent: 'Pay'}));
              app.append(form);
              const key = crypto.randomUUID();
              const token = Array.from(crypto.getRandomValues(new Uint8Array(32)), b => b.toString(16).padStart(2, '0')).join('');
              form.addEventListener('submit', async event => {
                event.preventDefault();
                const body = {answers: {}, contact: {}, shipping_address: {country: 'VN'}};
                for (const input of form.querySelectorAll('[name]')) {
                  const [head, rest] = input.name.split(/\\.(.+)/);
                  const value = input.type === 'checkbox' ? input.checked : input.type === 'number' && head !== 'answers' ? Number(input.value) : input.value;
                  if (rest) body[head][rest] = value; else if (value !== '') body[head] = value;
                }
                for (const error of form.querySelectorAll('.error')) error.textContent = '';
                const answer = await fetch(base + '/checkouts', {method: 'POST', body: JSON.stringify(body),
                  headers: {'Content-Type': 'application/json', 'Idempotency-Key': key, 'X-Checkout-Token': token, 'Prefer': 'wait=10'}});
                const result = await answer.json();
                if (!answer.ok) {
                  for (const e of result.errors || []) { const box = document.getElementById('error-' + e.field); if (box) box.textContent = e.message; }
                  if (!(result.errors || []).length) alert(result.title);
                  return;
                }
                if (result.status === 'completed' && page.success_url) { location.href = page.success_url; return; }
                const pay = result.payment || {};
                app.replaceChildren(el('div', {className: 'done'}, el('h2', {textContent: 'Order ' + (result.order_number || 'received')}),
                  el('p', {textContent: pay.transfer_content ? 'Transfer with the content: ' + pay.transfer_content : 'Status: ' + result.status})));
                if (pay.redirect_url) location.href = pay.redirect_url;
              });
            })();
            </script></body></html>
            """
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
}
