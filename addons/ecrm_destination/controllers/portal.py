from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class VisitorPortal(CustomerPortal):
    """Self-service for visitors (D4, D6): their trips, and the interests and channels they want."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "trip_count" in counters:
            Trip = request.env["ecrm.trip"]
            values["trip_count"] = Trip.search_count([]) if Trip.has_access("read") else 0
        return values

    @http.route("/my/trips", type="http", auth="user", website=True)
    def portal_my_trips(self, saved=None, **kwargs):
        values = self._prepare_portal_layout_values()
        values.update(request.env["res.partner"]._visitor_portal_values(request.env.user.partner_id))
        values.update({"page_name": "trips", "saved": bool(saved)})
        return request.render("ecrm_destination.portal_my_trips", values)

    @http.route("/my/trips/<int:trip_id>", type="http", auth="user", website=True)
    def portal_my_trip(self, trip_id, **kwargs):
        try:
            trip_sudo = self._document_check_access("ecrm.trip", trip_id)
        except MissingError as error:
            raise NotFound() from error
        except AccessError as error:
            raise Forbidden() from error
        values = self._prepare_portal_layout_values()
        values.update({"trip": trip_sudo, "page_name": "trip"})
        return request.render("ecrm_destination.portal_my_trip", values)

    @http.route("/my/trips/preferences", type="http", auth="user", methods=["POST"], website=True)
    def portal_my_trip_preferences(self, **post):
        form = request.httprequest.form
        request.env.user.partner_id._update_visitor_preferences(
            interest_ids=_ids(form.getlist("interest_ids")),
            channel_ids=_ids(form.getlist("channel_ids")),
            lang_ids=_ids(form.getlist("lang_ids")),
            budget_band=post.get("budget_band"),
            accessibility_needs=post.get("accessibility_needs"),
        )
        return request.redirect("/my/trips?saved=1")


def _ids(values):
    return {int(value) for value in values if value.isdigit()}
