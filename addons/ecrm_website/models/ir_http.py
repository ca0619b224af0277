from odoo import models
from odoo.http import Response, request

from .website_visitor import LANDING_COOKIE, LANDING_COOKIE_MAX_AGE


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _register_website_track(cls, response):
        """Set the landing cookie noted while tracking the page view of an anonymous visitor.

        Odoo tracks page views after the response's cookies were merged in, so the cookie
        is set on the response itself, as ``utm`` does for its own cookies.
        """
        result = super()._register_website_track(response)
        landing = getattr(request, "ecrm_landing_cookie", None)
        if landing:
            Response.load(response).set_cookie(
                LANDING_COOKIE,
                landing,
                max_age=LANDING_COOKIE_MAX_AGE,
                httponly=True,
                cookie_type="optional",
            )
        return result
