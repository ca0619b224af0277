from odoo import http
from odoo.http import request

SESSION_CODE = "ecrm_referral_code"
SESSION_TOKEN = "ecrm_referral_invitation"
COOKIE = "ecrm_ref"
COOKIE_AGE = 60 * 60 * 24 * 30


def read_referral(req):
    """``(code, invitation token)`` the visitor brought, from the session or the cookie."""
    try:
        session = req.session
        cookie = req.httprequest.cookies.get(COOKIE) or ""
    except (AttributeError, RuntimeError):
        return None, None
    code = session.get(SESSION_CODE) or cookie.split(":")[0] or None
    token = session.get(SESSION_TOKEN) or (cookie.split(":")[1] if ":" in cookie else None)
    return code, token


class ReferralController(http.Controller):
    @http.route("/ref/<string:code>", type="http", auth="public", sitemap=False)
    def referral_landing(self, code, inv=None, **utm):
        member = (
            request.env["ecrm.referral"]
            .sudo()
            ._record_visit(code, landing_url=request.httprequest.url, referrer_url=request.httprequest.referrer)
        )
        if not member:
            raise request.not_found()
        request.session[SESSION_CODE] = member.referral_code
        if inv:
            request.session[SESSION_TOKEN] = inv
        if "website" in request.env:
            response = request.redirect("/")
        else:
            response = request.render("ecrm_referral.referral_landing", {"member": member})
        response.set_cookie(
            COOKIE, "%s:%s" % (member.referral_code, inv or ""), max_age=COOKIE_AGE, httponly=True, samesite="Lax"
        )
        return response

    @http.route("/my/referral", type="http", auth="user", website=True, methods=["GET", "POST"])
    def referral_portal(self, emails=None, knows_invitees=None, **kwargs):
        partner = request.env.user.partner_id
        sent = request.env["ecrm.referral.invitation"]
        if request.httprequest.method == "POST" and emails:
            sent = partner._invite_friends(emails, bool(knows_invitees))
        return request.render("ecrm_referral.referral_portal", {"member": partner.sudo(), "sent": sent})
