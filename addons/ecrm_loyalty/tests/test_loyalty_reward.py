"""Best customers rewarded through Odoo's loyalty app (C8): one card per program, with its points."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.ecrm_core.tests.common_sales import EcrmSalesCommon


@tagged("post_install", "-at_install", "ecrm_loyalty")
class TestLoyaltyReward(EcrmSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lamp = cls._product("Brass Lamp", 50.0)
        cls.customers = cls.env["res.partner"].create(
            [{"name": "Loyal %02d" % number, "email": "loyal%d@example.com" % number} for number in range(1, 21)]
        )
        for number, customer in enumerate(cls.customers, start=1):
            cls._order(customer, [(cls.lamp, number, 50.0)])
        cls.wallet = cls.env["loyalty.program"].create(
            {"name": "Caspian eWallet", "program_type": "ewallet", "company_id": cls.sales_company.id}
        )
        cls.club = cls.env["loyalty.program"].create(
            {"name": "Caspian Club", "program_type": "loyalty", "company_id": cls.sales_company.id}
        )
        cls.rule = cls.env["ecrm.reward.rule"].create(
            {
                "name": "Best customer credit",
                "company_id": cls.sales_company.id,
                "issue_loyalty": True,
                "loyalty_program_id": cls.wallet.id,
                "loyalty_points": 25.0,
            }
        )
        cls.Event = cls.env["ecrm.best.customer.event"]
        cls.top = cls.customers[-1]  # 5% of 20 customers: the last one, who spent the most

    def refresh(self):
        return self.Event._refresh(self.sales_company)

    def cards(self, program=None):
        return self.env["loyalty.card"].search(
            [("program_id", "=", (program or self.wallet).id), ("partner_id", "in", self.customers.ids)]
        )

    def test_entering_issues_a_card_with_points(self):
        with self.mock_mail_gateway():
            self.refresh()
        card = self.cards()
        self.assertEqual(card.partner_id, self.top)
        self.assertEqual(card.points, 25.0)
        self.assertEqual(card.history_ids.issued, 25.0)
        self.assertIn("Best customer credit", card.history_ids.description)

    def test_leaving_and_coming_back_gives_no_second_card(self):
        self.refresh()
        self.refresh()
        self.assertEqual(len(self.cards()), 1, "still in the group: nothing new")
        # someone else outspends the top customer, who leaves
        big = self._order(self.customers[0], [(self.lamp, 100, 50.0)])
        self.refresh()
        self.assertFalse(self.top.is_best_customer)
        self.assertEqual(self.cards().partner_id, self.top | self.customers[0], "leaving creates nothing")
        self.assertEqual(self.cards().filtered(lambda card: card.partner_id == self.top).points, 25.0)
        # and comes back
        big._action_cancel()
        self.refresh()
        self.assertTrue(self.top.is_best_customer)
        top_cards = self.cards().filtered(lambda card: card.partner_id == self.top)
        self.assertEqual(len(top_cards), 1, "coming back does not give a second card of the same program")
        self.assertEqual(top_cards.points, 25.0)

    def test_one_card_per_program(self):
        self.env["ecrm.reward.rule"].create(
            {
                "name": "Club points",
                "company_id": self.sales_company.id,
                "issue_loyalty": True,
                "loyalty_program_id": self.club.id,
                "loyalty_points": 100.0,
                "add_tag": True,
                "tag_id": self.env["res.partner.category"].create({"name": "Club"}).id,
            }
        )
        self.refresh()
        self.assertEqual(self.cards(self.wallet).points, 25.0)
        self.assertEqual(self.cards(self.club).points, 100.0)
        self.assertEqual(self.top.category_id.name, "Club", "the core rewards still apply")

    def test_card_already_held_before(self):
        self.env["loyalty.card"].create({"program_id": self.wallet.id, "partner_id": self.top.id, "points": 3.0})
        self.refresh()
        self.assertEqual(self.cards().points, 3.0, "a customer who holds a card of the program gets no other")

    def test_bad_rules(self):
        with self.assertRaises(ValidationError):
            self.rule.loyalty_program_id = False
        promotion = self.env["loyalty.program"].create(
            {"name": "Spring promotion", "program_type": "promotion", "company_id": self.sales_company.id}
        )
        with self.assertRaises(ValidationError):
            self.rule.loyalty_program_id = promotion
        main_wallet = self.env["loyalty.program"].create(
            {"name": "Main eWallet", "program_type": "ewallet", "company_id": self.env.company.id}
        )
        with self.assertRaises(ValidationError):
            self.rule.loyalty_program_id = main_wallet
        with self.assertRaises(ValidationError):
            self.rule.loyalty_points = 0
