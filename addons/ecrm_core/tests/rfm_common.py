from datetime import timedelta

from odoo import fields

from .common import EcrmCommon

# Ten customers whose RFM quintiles are worked out by hand in test_rfm.py:
# name: (days since the last order, orders in the window, total spent)
POPULATION = {
    "A": (1, 9, 900),
    "B": (2, 1, 100),
    "C": (5, 4, 400),
    "D": (8, 1, 50),
    "E": (20, 3, 300),
    "F": (40, 6, 600),  # a company: its orders are placed by its buyer
    "G": (60, 1, 200),
    "H": (90, 7, 700),
    "I": (200, 8, 800),
    "J": (300, 5, 1000),
}


class RfmCommon(EcrmCommon):
    """A hand-built population with known RFM scores, alone in the database.

    The confirmed sales (and POS orders) already in the database are cancelled for the
    test, so the quintiles are those of these ten customers only.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute("UPDATE sale_order SET state = 'cancel' WHERE state = 'sale'")
        if "pos.order" in cls.env:
            cls.env.cr.execute("UPDATE pos_order SET state = 'cancel' WHERE state IN ('paid', 'done', 'invoiced')")
        cls.env.invalidate_all()
        cls.product = cls.env["product.product"].create(
            {"name": "RFM test product", "type": "service", "list_price": 10, "taxes_id": [(5, 0, 0)]}
        )
        Partner = cls.env["res.partner"]
        cls.people = {}
        for name in POPULATION:
            vals = {"name": "RFM customer %s" % name, "email": "rfm.%s@example.com" % name.lower()}
            if name == "F":
                vals["is_company"] = True
            cls.people[name] = Partner.create(vals)
        cls.buyer_f = Partner.create({"name": "RFM buyer of F", "parent_id": cls.people["F"].id})
        cls.now = fields.Datetime.now()
        vals_list = []
        for name, (days, orders, total) in POPULATION.items():
            buyer = cls.buyer_f if name == "F" else cls.people[name]
            for number in range(orders):
                # the latest order ``days`` ago, the others ten days apart before it
                vals_list.append(cls._order_vals(buyer, days + 10 * number, total / orders))
        cls.orders = cls.env["sale.order"].create(vals_list)

    @classmethod
    def _order_vals(cls, partner, days_ago, amount):
        return {
            "partner_id": partner.id,
            "state": "sale",
            "date_order": cls.now - timedelta(days=days_ago),
            "order_line": [(0, 0, {"product_id": cls.product.id, "product_uom_qty": 1, "price_unit": amount})],
        }

    def scores(self):
        """{name: (r, f, m, segment)} of the population."""
        return {
            name: (
                partner.rfm_recency_score,
                partner.rfm_frequency_score,
                partner.rfm_monetary_score,
                partner.rfm_segment,
            )
            for name, partner in self.people.items()
        }
