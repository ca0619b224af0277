"""Paid POS orders count for RFM (C7, C8; V4: online and physical shops alike)."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.ecrm_core.tests.common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_pos")
class TestRfmPos(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # only this test's orders: the ones already in the database would set the quintiles
        cls.env.cr.execute("UPDATE sale_order SET state = 'cancel' WHERE state = 'sale'")
        cls.env.cr.execute("UPDATE pos_order SET state = 'cancel' WHERE state IN ('paid', 'done', 'invoiced')")
        cls.env.invalidate_all()
        config = cls.env["pos.config"].create({"name": "eCRM test shop"})
        cls.session = cls.env["pos.session"].create({"config_id": config.id, "user_id": cls.env.uid})

    def pos_order(self, partner, state, total, tax=0.0, days_ago=3):
        return self.env["pos.order"].create(
            {
                "session_id": self.session.id,
                "partner_id": partner.id,
                "state": state,
                "date_order": fields.Datetime.now() - timedelta(days=days_ago),
                "amount_total": total,
                "amount_tax": tax,
                "amount_paid": total,
                "amount_return": 0.0,
            }
        )

    def test_a_paid_pos_order_counts(self):
        shopper = self.customer
        window_shopper = self.customer_2
        self.pos_order(shopper, "paid", 120.0, tax=20.0)
        self.pos_order(shopper, "done", 60.0, days_ago=40)
        self.pos_order(shopper, "paid", -60.0, days_ago=1)  # a refund is not a visit
        self.pos_order(window_shopper, "draft", 500.0)
        # fixed limits show the figures: 2 orders, the last 3 days ago, 100 + 60 untaxed
        set_param = self.env["ir.config_parameter"].set_param
        set_param("ecrm_core.rfm_method", "threshold")
        set_param("ecrm_core.rfm_frequency_orders", "2, 3, 5, 10")
        set_param("ecrm_core.rfm_monetary_amounts", "100, 160, 161, 5000")
        self.env["res.partner"]._ecrm_compute_rfm()
        self.assertEqual(shopper.rfm_score, "523")
        self.assertEqual(shopper.rfm_segment, "potential_loyalist")
        self.assertFalse(window_shopper.rfm_segment, "a draft POS order is not a purchase")
