from odoo import http
from odoo.http import request


class EcrmLandingController(http.Controller):
    @http.route("/landing", type="http", auth="public", website=True, sitemap=False)
    def landing(self, **params):
        """Send the visitor to the landing page that fits their search or campaign, else to the home page.

        The UTM values and keywords travel on to the page, where the website visit (ecrm_website) records the
        referrer and keywords as the contact's touchpoint.
        """
        _rule, url = request.env["ecrm.landing.rule"]._find_landing(
            request.website, params, referrer=request.httprequest.referrer
        )
        return request.redirect(url or "/", code=302)
