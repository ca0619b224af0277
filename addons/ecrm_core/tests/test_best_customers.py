"""Best customers (C8): the top share by value is flagged, entering is rewarded once, leaving is recorded."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..tools.best_customers import best_of
from .common_sales import EcrmSalesCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestBestCustomers(EcrmSalesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.chair = cls._product("Walnut Chair", 100.0)
        # 40 customers who spent 100, 200, ... 4,000 in the last year
        cls.customers = Partner.create([{"name": "Customer %02d" % number} for number in range(1, 41)])
        for number, customer in enumerate(cls.customers, start=1):
            cls._order(customer, [(cls.chair, number, 100.0)], days_ago=number * 5)
        # a company buys through its contact: the company is the customer, 5,000
        cls._order(cls.company_contact, [(cls.chair, 50, 100.0)], days_ago=10)
        # what must not count: an order older than the period, a quotation, a cancelled order
        cls._order(cls.customers[0], [(cls.chair, 1, 90000.0)], days_ago=400)
        cls._order(cls.customers[1], [(cls.chair, 1, 90000.0)], confirm=False)
        cls._order(cls.customers[2], [(cls.chair, 1, 90000.0)])._action_cancel()
        cls.Event = cls.env["ecrm.best.customer.event"]
        cls.vip = cls.env["res.partner.category"].create({"name": "VIP Caspian"})

    def refresh(self):
        return self.Event._refresh(self.sales_company)

    def members(self):
        population = self.customers | self.company_partner | self.company_contact
        return population.filtered("is_best_customer")

    def value_of(self, number):
        return 100.0 * number

    def test_top_share_is_flagged(self):
        result = self.refresh()
        # 41 customers ranked (40 people and the company): 5% of 41 is 2.05, rounded up to 3
        top_40, top_39 = self.customers[39], self.customers[38]
        self.assertEqual(self.members(), self.company_partner | top_40 | top_39)
        self.assertEqual(result, {"entered": 3, "left": 0, "members": 3})
        self.assertFalse(self.company_contact.is_best_customer, "the company is the customer, not its buyer")
        self.assertFalse(self.customers[0].is_best_customer, "an order older than the period does not count")
        self.assertFalse(self.customers[1].is_best_customer, "a quotation does not count")

        events = self.Event.search([("company_id", "=", self.sales_company.id)])
        self.assertEqual(
            {(event.partner_id, event.kind, event.rank, event.value, event.customer_count) for event in events},
            {
                (self.company_partner, "entered", 1, 5000.0, 41),
                (top_40, "entered", 2, 4000.0, 41),
                (top_39, "entered", 3, 3900.0, 41),
            },
        )
        self.assertEqual(top_40.best_customer_since, events[0].date.date())

    def test_same_answer_as_the_reference_with_ties(self):
        # a second order makes customer 36 tie with customer 37 on 3,700, at the edge of the top 10%
        self._order(self.customers[35], [(self.chair, 1, 100.0)])
        self.env["ir.config_parameter"].set_param("ecrm_core.best_customer_percent", "10")
        self.refresh()
        values = {customer: self.value_of(number) for number, customer in enumerate(self.customers, start=1)}
        values[self.customers[35]] += 100.0
        values[self.company_partner] = 5000.0
        expected = best_of(values, 10)
        self.assertEqual(len(expected), 6, "5 of 41, and the customer tied with the fifth")
        self.assertEqual(self.members(), self.env["res.partner"].union(*expected))
        events = self.Event.search([("company_id", "=", self.sales_company.id)])
        self.assertEqual({event.partner_id: event.rank for event in events}, expected)

    def test_entering_rewards_once(self):
        self.customers[39].user_id = self.user_ecrm_manager
        self.env["ecrm.reward.rule"].create(
            {
                "name": "Caspian VIP",
                "company_id": self.sales_company.id,
                "add_tag": True,
                "tag_id": self.vip.id,
                "create_activity": True,
                "activity_summary": "Thank them",
                "activity_user_id": self.user_ecrm.id,
            }
        )
        # a rule of another company gives nothing here
        self.env["ecrm.reward.rule"].create(
            {
                "name": "Main company VIP",
                "add_tag": True,
                "tag_id": self.env["res.partner.category"].create({"name": "Main VIP"}).id,
            }
        )
        self.refresh()
        self.refresh()  # nobody entered again: no second reward
        members = self.members()
        self.assertEqual(self.vip.partner_ids, members)
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "in", self.customers.ids + self.company_partner.ids)]
        )
        self.assertEqual(len(activities), 3)
        self.assertEqual(set(activities.mapped("res_id")), set(members.ids))
        self.assertEqual(set(activities.mapped("summary")), {"Thank them"})
        by_partner = {activity.res_id: activity.user_id for activity in activities}
        self.assertEqual(by_partner[self.customers[39].id], self.user_ecrm_manager, "the salesperson follows up")
        self.assertEqual(by_partner[self.customers[38].id], self.user_ecrm, "no salesperson: the default assignee")
        self.assertFalse(members.category_id.filtered(lambda tag: tag.name == "Main VIP"))

    def test_leaving_is_recorded(self):
        self.env["ecrm.reward.rule"].create(
            {
                "name": "Caspian VIP",
                "company_id": self.sales_company.id,
                "add_tag": True,
                "tag_id": self.vip.id,
                "remove_tag_on_leave": True,
            }
        )
        self.refresh()
        newcomer, third = self.customers[9], self.customers[38]
        big_order = self._order(newcomer, [(self.chair, 1, 10000.0)])
        result = self.refresh()
        self.assertEqual((result["entered"], result["left"]), (1, 1))
        left = self.Event.search([("kind", "=", "left"), ("company_id", "=", self.sales_company.id)])
        self.assertEqual(left.partner_id, third)
        self.assertEqual((left.rank, left.value), (4, 3900.0), "its place and value when it left")
        self.assertFalse(third.is_best_customer)
        self.assertNotIn(self.vip, third.category_id, "the tag goes with the group")
        self.assertIn(self.vip, newcomer.category_id)

        # the big order is cancelled: the newcomer leaves, the third customer comes back
        big_order._action_cancel()
        self.refresh()
        self.assertTrue(third.is_best_customer)
        self.assertFalse(newcomer.is_best_customer)
        history = self.Event.search([("partner_id", "=", third.id)], order="id")
        self.assertEqual(history.mapped("kind"), ["entered", "left", "entered"])

    def test_other_company_sees_nothing(self):
        self.refresh()
        self.env["ecrm.reward.rule"].create(
            {"name": "Caspian VIP", "company_id": self.sales_company.id, "add_tag": True, "tag_id": self.vip.id}
        )
        Event = self.Event.with_user(self.user_ecrm_manager)
        self.assertFalse(Event.search([]).filtered(lambda event: event.company_id == self.sales_company))
        self.assertFalse(Event.search_count([("company_id", "=", self.sales_company.id)]))
        event = self.Event.search([("company_id", "=", self.sales_company.id)], limit=1)
        with self.assertRaises(AccessError):
            event.with_user(self.user_ecrm_manager).read(["value"])
        self.assertFalse(
            self.env["ecrm.reward.rule"]
            .with_user(self.user_ecrm_manager)
            .search([])
            .filtered(lambda rule: rule.company_id == self.sales_company)
        )
        # the company's own manager sees them
        self.assertEqual(self.Event.with_user(self.user_other).search_count([]), 3)

    def test_button_needs_a_manager(self):
        with self.assertRaises(AccessError):
            self.Event.with_user(self.user_ecrm).action_refresh_best_customers()
        action = self.Event.with_user(self.user_other).action_refresh_best_customers()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(len(self.members()), 3)

    def test_bad_settings(self):
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"ecrm_best_customer_percent": 0})
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"ecrm_best_customer_percent": 5, "ecrm_best_customer_months": 0})
        self.env["ir.config_parameter"].set_param("ecrm_core.best_customer_percent", "150")
        with self.assertRaises(UserError):
            self.refresh()

    def test_reward_rule_must_do_something(self):
        with self.assertRaises(ValidationError):
            self.env["ecrm.reward.rule"].create({"name": "Nothing", "company_id": self.sales_company.id})
        with self.assertRaises(ValidationError):
            self.env["ecrm.reward.rule"].create({"name": "No tag", "add_tag": True})
