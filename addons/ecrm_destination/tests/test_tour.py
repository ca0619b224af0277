from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import DestinationCommon


@tagged("post_install", "-at_install", "ecrm_destination")
class TestVisitorProfileTour(HttpCase, DestinationCommon):
    """Staff open a visitor, read the phase, what to send now and the offers, and update the profile."""

    def test_visitor_profile_tour(self):
        visitor = self.env["res.partner"].create({"name": "Tour Visitor", "country_id": self.iran.id})
        today = date.today()
        self._trip(
            visitor,
            today + timedelta(days=30),
            today + timedelta(days=70),
            destination_country_id=self.env.ref("base.fr").id,
        )
        self.env["ecrm.destination.info.need"].create({"name": "Tour need: visa rules", "phase": "before"})
        product = self.env["product.product"].create({"name": "Tour offer", "type": "service"})
        self.env["ecrm.destination.offer.rule"].create(
            {"name": "Tour rule", "product_id": product.id, "reason": "Tour reason: long trip", "trip_days_min": 40}
        )
        self.start_tour(
            "/odoo/action-ecrm_destination.res_partner_action_visitors",
            "ecrm_destination_visitor_profile_tour",
            login=self.user_ecrm_manager.login,
        )
        visitor.invalidate_recordset(["budget_band"])
        self.assertEqual(visitor.budget_band, "luxury")
