from uuid import uuid4

from odoo import fields

from odoo.addons.ecrm_referral.tests.common import ReferralCommon


class ReferralPosCommon(ReferralCommon):
    """The three-level network of ecrm_referral (Roya -> Babak -> Sara -> Dariush) and a shop till."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        journal = cls.env["account.journal"].create({"name": "Referral shop cash", "type": "cash", "code": "RSCSH"})
        cls.cash = cls.env["pos.payment.method"].create({"name": "Referral shop cash", "journal_id": journal.id})
        cls.config = cls.env["pos.config"].create(
            {"name": "Referral shop", "payment_method_ids": [(6, 0, cls.cash.ids)]}
        )
        cls.session = cls.env["pos.session"].create({"config_id": cls.config.id, "user_id": cls.env.uid})
        cls.product.write({"taxes_id": [(5, 0, 0)], "available_in_pos": True})

    def sync_order(self, partner, amount, code=None, refund_of=None):
        """Pay a ticket at the till the way the POS app sends it (``sync_from_ui``); the pos.order."""
        uuid = str(uuid4())
        qty = -1 if refund_of else 1
        line = {
            "product_id": self.product.id,
            "price_unit": amount,
            "qty": qty,
            "price_subtotal": amount * qty,
            "price_subtotal_incl": amount * qty,
            "discount": 0.0,
            "tax_ids": [(6, 0, [])],
            "pack_lot_ids": [],
        }
        if refund_of:
            line["refunded_orderline_id"] = refund_of.lines[:1].id
        now = fields.Datetime.to_string(fields.Datetime.now())
        self.env["pos.order"].sync_from_ui(
            [
                {
                    "amount_paid": amount * qty,
                    "amount_return": 0,
                    "amount_tax": 0,
                    "amount_total": amount * qty,
                    "date_order": now,
                    "fiscal_position_id": False,
                    "pricelist_id": self.config.pricelist_id.id,
                    "name": "Order %s" % uuid,
                    "last_order_preparation_change": "{}",
                    "lines": [(0, 0, line)],
                    "partner_id": partner.id if partner else False,
                    "session_id": self.session.id,
                    "sequence_number": 1,
                    "payment_ids": [(0, 0, {"amount": amount * qty, "name": now, "payment_method_id": self.cash.id})],
                    "uuid": uuid,
                    "user_id": self.env.uid,
                    "to_invoice": False,
                    "ecrm_referral_code": code or False,
                }
            ]
        )
        return self.env["pos.order"].search([("uuid", "=", uuid)])

    def pos_rewards_of(self, pos_order):
        return self.Reward.sudo().search([("pos_order_id", "=", pos_order.id)], order="level")
