"""Recommendations (C9) on a planted co-purchase pattern: who bought A bought B."""

from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common_sales import EcrmSalesCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestRecommendation(EcrmSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        product = cls._product
        cls.desk = product("Oak Desk", 400.0)
        cls.lamp = product("Desk Lamp", 40.0)
        cls.sofa = product("Linen Sofa", 900.0)
        cls.cushion = product("Sofa Cushion", 25.0)
        cls.rug = product("Wool Rug", 150.0)
        cls.old_chair = product("Discontinued Chair", 80.0)
        cls.service = product("Delivery Fee", 10.0, sale_ok=False)
        Partner = cls.env["res.partner"]
        cls.people = Partner.create(
            [{"name": "Buyer %d" % number, "email": "b%d@example.com" % number} for number in range(1, 10)]
        )
        p = cls.people
        # 1-4 bought the desk and the lamp (and the chair now discontinued, and the delivery fee)
        for buyer in p[0:4]:
            cls._order(
                buyer, [(cls.desk, 1, 400.0), (cls.lamp, 2, 40.0), (cls.old_chair, 1, 80.0), (cls.service, 1, 10.0)]
            )
        # 5-7 the sofa and the cushion; the rug sells to nearly everyone
        for buyer in p[4:7]:
            cls._order(buyer, [(cls.sofa, 1, 900.0), (cls.cushion, 3, 25.0)])
        for buyer in p[0:3] | p[4:7] | p[8]:
            cls._order(buyer, [(cls.rug, 1, 150.0)])
        # the customers to recommend to: 8 bought only the desk, the company (through its buyer) the sofa
        cls.desk_only = p[7]
        cls._order(cls.desk_only, [(cls.desk, 1, 400.0)])
        cls._order(cls.company_contact, [(cls.sofa, 2, 900.0)])
        cls.old_chair.active = False
        cls.Recommendation = cls.env["ecrm.recommendation"]
        cls.Recommendation._rebuild(cls.sales_company)

    def recommendations(self, partner):
        return self.Recommendation.search([("partner_id", "=", partner.id), ("company_id", "=", self.sales_company.id)])

    def test_planted_pattern(self):
        recommended = self.recommendations(self.desk_only)
        self.assertEqual(recommended[0].product_id, self.lamp, "who bought the desk bought the lamp")
        self.assertEqual(recommended.mapped("rank"), list(range(1, len(recommended) + 1)))
        self.assertNotIn(self.desk, recommended.product_id, "never what the customer already bought")
        self.assertNotIn(self.old_chair, recommended.product_id, "never an archived product")
        self.assertNotIn(self.service, recommended.product_id, "never a product that cannot be sold")
        # the sofa buyers' products have nothing in common with the desk: they only fill the list, at 0
        self.assertEqual(recommended.filtered(lambda row: row.product_id == self.sofa).score, 0.0)
        self.assertGreater(recommended[0].score, 0.5)

        company = self.recommendations(self.company_partner)
        self.assertEqual(company[0].product_id, self.cushion)
        self.assertFalse(self.recommendations(self.company_contact), "the company is the customer")

    def test_nothing_already_bought(self):
        for partner in self.people | self.company_partner:
            bought = (
                self.env["sale.order.line"]
                .search(
                    [("order_id.partner_id.commercial_partner_id", "=", partner.id), ("order_id.state", "=", "sale")]
                )
                .product_id
            )
            self.assertFalse(self.recommendations(partner).product_id & bought, partner.name)

    def test_partner_fields(self):
        partner = self.desk_only.with_company(self.sales_company)
        self.assertEqual(partner.recommended_product_ids[:1], self.lamp)
        self.assertEqual(partner.recommendation_ids, self.recommendations(self.desk_only))
        # a company's people share its recommendations
        contact = self.company_contact.with_company(self.sales_company)
        self.assertEqual(contact.recommended_product_ids[:1], self.cushion)
        # in another company, nothing
        self.assertFalse(self.desk_only.recommended_product_ids)

    def test_partner_fields_read_in_one_go(self):
        """Rendering a campaign for many customers reads their recommendations in the same few queries."""

        def queries(partners):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            names = partners.with_company(self.sales_company).mapped("recommended_product_ids.name")
            self.assertTrue(names)
            return self.env.cr.sql_log_count - before

        self.assertEqual(queries(self.people[:2]), queries(self.people | self.company_contact))

    def test_rebuild_replaces(self):
        count = self.Recommendation.search_count([("company_id", "=", self.sales_company.id)])
        similarities = self.env["ecrm.product.similarity"].search_count([("company_id", "=", self.sales_company.id)])
        # every product that can be sold and that the customer has not bought: 2 for buyers 1-3 and 5-7,
        # 3 for buyer 4, 4 for buyers 8 and 9 and the company
        self.assertEqual(count, 6 * 2 + 3 + 3 * 4)
        result = self.Recommendation._rebuild(self.sales_company)
        self.assertEqual(result["recommendations"], count)
        self.assertEqual(self.Recommendation.search_count([("company_id", "=", self.sales_company.id)]), count)
        self.assertEqual(
            self.env["ecrm.product.similarity"].search_count([("company_id", "=", self.sales_company.id)]),
            similarities,
        )

    def test_product_form_also_bought(self):
        template = self.desk.product_tmpl_id.with_user(self.user_other)
        also = template.also_bought_ids
        self.assertEqual(also[0].similar_product_id, self.lamp)
        self.assertEqual(also[0].common_customer_count, 4)
        self.assertAlmostEqual(also[0].score, 4 / (5 * 4) ** 0.5, places=3)
        self.assertNotIn(self.old_chair, also.similar_product_id)
        form = Form(template)
        self.assertEqual(form.also_bought_ids[0].similar_product_id, self.lamp)
        # the main company's users see nothing of Caspian's sales
        self.assertFalse(self.desk.product_tmpl_id.with_user(self.user_ecrm_manager).also_bought_ids)

    def test_mail_template_lists_recommendations(self):
        template = self.env.ref("ecrm_core.mail_template_picked_for_you").with_company(self.sales_company)
        top3 = self.recommendations(self.desk_only)[:3].product_id
        body = template._render_field("body_html", self.desk_only.ids)[self.desk_only.id]
        for product in top3:
            self.assertIn(product.name, body)
        self.assertNotIn(self.desk.name, body)
        self.assertEqual(body.count("<li>"), 3)

        with self.mock_mail_gateway():
            template.send_mail(self.desk_only.id, force_send=True)
        self.assertSentEmail(self._new_mails.email_from, [self.desk_only], body_content=self.lamp.name)

    def test_other_company_sees_nothing(self):
        Recommendation = self.Recommendation.with_user(self.user_ecrm_manager)
        self.assertFalse(Recommendation.search_count([("company_id", "=", self.sales_company.id)]))
        row = self.recommendations(self.desk_only)[:1]
        with self.assertRaises(AccessError):
            row.with_user(self.user_ecrm_manager).read(["product_id"])
        Similarity = self.env["ecrm.product.similarity"].with_user(self.user_ecrm_manager)
        self.assertFalse(Similarity.search_count([("company_id", "=", self.sales_company.id)]))
        partner = self.desk_only.with_user(self.user_ecrm_manager)
        self.assertFalse(partner.recommendation_ids)
        self.assertFalse(partner.recommended_product_ids)
        # the company's own manager sees them
        other = self.desk_only.with_user(self.user_other)
        self.assertEqual(other.recommended_product_ids[:1], self.lamp)

    def test_button_needs_a_manager(self):
        with self.assertRaises(AccessError):
            self.Recommendation.with_user(self.user_ecrm).action_rebuild_recommendations()
        action = self.Recommendation.with_user(self.user_other).action_rebuild_recommendations()
        self.assertEqual(action["params"]["type"], "success")
