"""Buying habits of each market segment (C7): product categories by RFM segment and by segment."""

from odoo.tests import new_test_user, tagged

from .rfm_common import RfmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestSegmentPurchaseReport(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.shoes = Category.create({"name": "Report shoes"})
        cls.books = Category.create({"name": "Report books"})
        Product = cls.env["product.product"]
        cls.shoe = Product.create(
            {"name": "Runner", "type": "consu", "categ_id": cls.shoes.id, "taxes_id": [(5, 0, 0)]}
        )
        cls.book = Product.create({"name": "Atlas", "type": "consu", "categ_id": cls.books.id, "taxes_id": [(5, 0, 0)]})
        # A (the champion) buys two pairs of shoes and a book, I (can't lose them) three books; both on the
        # day of their latest order, so that the recency quintiles do not move
        cls.env["sale.order"].create(
            [
                cls._lines_vals(cls.people["A"], 1, [(cls.shoe, 2, 50), (cls.book, 1, 25)]),
                cls._lines_vals(cls.people["I"], 200, [(cls.book, 3, 10)]),
            ]
        )
        cls.env["res.partner"]._ecrm_compute_rfm()
        # a segment of A and of F's buyer (F's orders count for the segment through its buyer)
        cls.segment = cls.env["ecrm.segment"].create(
            {
                "name": "Report rule",
                "rule_domain": "[('id', 'in', [%d, %d])]" % (cls.people["A"].id, cls.buyer_f.id),
                "company_id": cls.company.id,
            }
        )
        cls.segment._refresh_members()
        cls.Report = cls.env["ecrm.segment.purchase.report"]

    @classmethod
    def _lines_vals(cls, partner, days_ago, lines):
        vals = cls._order_vals(partner, days_ago, 0)
        vals["order_line"] = [
            (0, 0, {"product_id": product.id, "product_uom_qty": quantity, "price_unit": price})
            for product, quantity, price in lines
        ]
        return vals

    def table(self, report, group_type, group_field, categories):
        return {
            (group, category.id): (amount, quantity, customers)
            for group, category, amount, quantity, customers in report._read_group(
                [("group_type", "=", group_type), ("product_category_id", "in", categories.ids)],
                [group_field, "product_category_id"],
                ["amount:sum", "quantity:sum", "customer_count:count_distinct"],
            )
        }

    def test_categories_by_rfm_segment(self):
        self.assertEqual(self.people["A"].rfm_segment, "champions")
        self.assertEqual(self.people["I"].rfm_segment, "cant_lose")
        self.assertEqual(
            self.table(self.Report, "rfm", "rfm_segment", self.shoes | self.books),
            {
                ("champions", self.shoes.id): (100, 2, 1),
                ("champions", self.books.id): (25, 1, 1),
                ("cant_lose", self.books.id): (30, 3, 1),
            },
        )
        # share of the segment's spend: A alone is a champion, 900 of earlier orders and 125 here
        [(shoes_share,)] = self.Report._read_group(
            [
                ("group_type", "=", "rfm"),
                ("rfm_segment", "=", "champions"),
                ("product_category_id", "=", self.shoes.id),
            ],
            [],
            ["share:sum"],
        )
        self.assertAlmostEqual(shoes_share, 100 * 100 / 1025, places=6)
        shares = self.Report._read_group(
            [("group_type", "=", "rfm")], ["rfm_segment"], ["share:sum", "customer_count:count_distinct"]
        )
        for segment, share, _customers in shares:
            self.assertAlmostEqual(share, 100, places=6, msg="the categories of %s add up to 100%%" % segment)
        self.assertEqual(sum(customers for _segment, _share, customers in shares), 10, "each customer counts once")

    def test_categories_by_segment(self):
        self.assertEqual(self.segment.partner_ids, self.people["A"] | self.buyer_f)
        rows = self.Report._read_group(
            [("group_type", "=", "segment"), ("segment_id", "=", self.segment.id)],
            [],
            ["amount:sum", "customer_count:count_distinct", "share:sum"],
        )
        # A: 900 + 125; F through its buyer: 600; the company F is the customer
        [(amount, customers, share)] = rows
        self.assertEqual((amount, customers), (1625, 2))
        self.assertAlmostEqual(share, 100, places=6)
        self.assertEqual(
            self.table(self.Report, "segment", "segment_id", self.shoes | self.books),
            {(self.segment, self.shoes.id): (100, 2, 1), (self.segment, self.books.id): (25, 1, 1)},
        )
        self.assertEqual(
            self.Report.search([("group_type", "=", "segment"), ("segment_id", "=", self.segment.id)]).partner_id,
            self.people["A"] | self.people["F"],
        )
        # I is no member: none of I's lines under the segment
        self.assertFalse(self.Report.search([("group_type", "=", "segment"), ("partner_id", "=", self.people["I"].id)]))

    def test_other_company_sees_no_line(self):
        company_b = self.env["res.company"].create({"name": "Report Company B"})
        user_b = new_test_user(
            self.env,
            "report_user_b",
            groups="base.group_user,ecrm_core.group_ecrm_user",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        self.assertTrue(self.Report.with_user(self.user_ecrm).search_count([]))
        self.assertFalse(self.Report.with_user(user_b).search_count([]))
        self.assertFalse(self.Report.with_user(user_b)._read_group([], [], ["amount:sum"])[0][0])
