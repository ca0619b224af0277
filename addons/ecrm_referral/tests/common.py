from odoo.addons.ecrm_core.tests.common import EcrmCommon


class ReferralCommon(EcrmCommon):
    """A three-level network program and a chain Roya -> Babak -> Sara -> Dariush (V3)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["ecrm.referral.program"].create(
            {
                "name": "Test network",
                "program_type": "network",
                "purchase_rule": "every",
                "hold_days": 14,
                "level_ids": [
                    (0, 0, {"level": 1, "reward_percent": 10}),
                    (0, 0, {"level": 2, "reward_percent": 3}),
                    (0, 0, {"level": 3, "reward_percent": 1}),
                ],
            }
        )
        Partner = cls.env["res.partner"]
        cls.roya, cls.babak, cls.sara, cls.dariush = Partner.create(
            [
                {"name": "Roya", "email": "roya@example.com", "referral_program_id": cls.program.id},
                {"name": "Babak", "email": "babak@example.org", "referral_program_id": cls.program.id},
                {"name": "Sara", "email": "sara@example.net", "referral_program_id": cls.program.id},
                {"name": "Dariush", "email": "dariush@example.com", "referral_program_id": cls.program.id},
            ]
        )
        cls.Referral = cls.env["ecrm.referral"]
        cls.Reward = cls.env["ecrm.referral.reward"]
        cls.Referral.create(
            [
                {"partner_id": cls.babak.id, "referrer_id": cls.roya.id, "program_id": cls.program.id},
                {"partner_id": cls.sara.id, "referrer_id": cls.babak.id, "program_id": cls.program.id},
                {"partner_id": cls.dariush.id, "referrer_id": cls.sara.id, "program_id": cls.program.id},
            ]
        )
        cls.product = cls.env["product.product"].create({"name": "Referral test product", "list_price": 100.0})

    @classmethod
    def make_order(cls, partner, amount=1000.0, **values):
        return cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_id": [(5, 0, 0)],
                        },
                    )
                ],
                **values,
            }
        )

    def rewards_of(self, order):
        return self.Reward.sudo().search([("order_id", "=", order.id)], order="level")
