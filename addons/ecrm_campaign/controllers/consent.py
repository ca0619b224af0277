"""Public consent pages (K2): double opt-in confirmation, unsubscribe, one-click, preference centre, API.

Links are authenticated by their HMAC signature, not by a session, hence csrf=False. A GET never
changes anything (mail scanners follow links); only a POST from the page's button does. Every
invalid link (tampered, expired, unknown id, already used) gets the same 404 page.
"""

from odoo import http
from odoo.http import request

INVALID_STATUS = 404


class EcrmConsentController(http.Controller):
    def _client(self):
        httprequest = request.httprequest
        return {"ip_address": httprequest.remote_addr, "user_agent": httprequest.user_agent.string}

    def _page(self, template, values, status=200):
        """Render in the contact's own language: the page is theirs, reached from a mail we sent them."""
        contact = values.get("partner") or (values.get("consent") and values["consent"].partner_id)
        if contact and "lang" in contact._fields and contact.lang:
            request.update_context(lang=contact.lang)
        return request.render("ecrm_campaign.%s" % template, values, status=status)

    def _invalid(self):
        return self._page("consent_page_invalid", {}, status=INVALID_STATUS)

    @http.route("/ecrm/consent/confirm/<string:token>", type="http", auth="public", methods=["GET", "POST"], csrf=False)
    def confirm(self, token, **post):
        apply = request.httprequest.method == "POST"
        result = request.env["ecrm.consent"]._public_confirm(token, apply=apply, **self._client())
        if result is None:
            return self._invalid()
        return self._page("consent_page_confirm", dict(result, token=token))

    @http.route(
        "/ecrm/consent/unsubscribe/<string:token>", type="http", auth="public", methods=["GET", "POST"], csrf=False
    )
    def unsubscribe(self, token, **post):
        apply = request.httprequest.method == "POST"
        result = request.env["ecrm.consent"]._public_unsubscribe(token, apply=apply, **self._client())
        if result is None:
            return self._invalid()
        preferences_url = request.env["ecrm.consent"]._get_preferences_url(result["partner"])
        return self._page("consent_page_unsubscribe", dict(result, token=token, preferences_url=preferences_url))

    @http.route(
        "/ecrm/consent/one-click/<string:token>", type="http", auth="public", methods=["GET", "POST"], csrf=False
    )
    def one_click(self, token, **post):
        """RFC 8058: the mail client POSTs List-Unsubscribe=One-Click; a GET only shows the page."""
        if request.httprequest.method != "POST":
            return self.unsubscribe(token)
        result = request.env["ecrm.consent"]._public_unsubscribe(
            token, method="one_click", apply=True, **self._client()
        )
        if result is None:
            return self._invalid()
        return request.make_response("", status=200, headers=[("Content-Type", "text/plain")])

    @http.route(
        "/ecrm/consent/preferences/<string:token>", type="http", auth="public", methods=["GET", "POST"], csrf=False
    )
    def preferences(self, token, **post):
        Consent = request.env["ecrm.consent"]
        if request.httprequest.method == "POST":
            chosen = set(request.httprequest.form.getlist("choice"))
            result = Consent._public_save_preferences(token, chosen, **self._client())
            saved = True
        else:
            result = Consent._public_preferences(token)
            saved = False
        if result is None:
            return self._invalid()
        return self._page("consent_page_preferences", dict(result, saved=saved))

    @http.route("/ecrm/api/consent", type="http", auth="bearer", methods=["POST"], csrf=False, save_session=False)
    def api_subscribe(self, **kwargs):
        """JSON API: a subscription, pending until the contact confirms the mail it receives."""
        try:
            data = request.get_json_data()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return request.make_json_response(
                {"error": "body", "message": "Send a JSON object with email and purpose."}, status=400
            )
        if not request.env.user.has_group("ecrm_core.group_ecrm_integration") and not request.env.user.has_group(
            "ecrm_core.group_ecrm_user"
        ):
            return request.make_json_response(
                {"error": "access", "message": "This key may not record consents."}, status=403
            )
        status, body = request.env["ecrm.consent"]._api_subscribe(data, **self._client())
        return request.make_json_response(body, status=status)
