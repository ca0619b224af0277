"""Reports (C12, C15): the customer dashboard and the recurring questions of support."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestDashboard(EcrmCommon):
    def cards(self, data):
        return {card["key"]: card for card in data["cards"]}

    def test_dashboard_numbers(self):
        Snapshot = self.env["ecrm.lifecycle.snapshot"]
        before = Snapshot.with_user(self.user_ecrm).get_dashboard_data()
        Partner = self.env["res.partner"]
        stages = ["new", "new", "latent", "latent", "latent", "repeat", "loyal", "at_risk", "lost"]
        Partner.create([{"name": "Dash %d" % i, "lifecycle_stage": stage} for i, stage in enumerate(stages)])
        company = Partner.create({"name": "Dash Company", "is_company": True, "lifecycle_stage": "loyal"})
        # a company's contacts count in their company, not on their own
        Partner.create({"name": "Dash Contact", "parent_id": company.id, "lifecycle_stage": "loyal"})
        after = Snapshot.with_user(self.user_ecrm).get_dashboard_data()
        old, new = self.cards(before), self.cards(after)
        self.assertEqual(new["new"]["count"] - old["new"]["count"], 2)
        self.assertEqual(new["latent"]["count"] - old["latent"]["count"], 3)
        self.assertEqual(new["active"]["count"] - old["active"]["count"], 2 + 1 + 2)
        self.assertEqual(new["at_risk"]["count"] - old["at_risk"]["count"], 1)
        # each card opens exactly the customers it counts
        for key, card in new.items():
            with self.subTest(card=key):
                self.assertEqual(Partner.search_count(card["domain"]), card["count"])
        funnel = {step["stage"]: step for step in after["funnel"]}
        self.assertEqual([step["stage"] for step in after["funnel"]], ["latent", "new", "repeat", "loyal"])
        widest = max(step["count"] for step in after["funnel"])
        self.assertEqual(max(step["percent"] for step in after["funnel"]), 100.0)
        self.assertEqual(funnel["loyal"]["percent"], round(100.0 * funnel["loyal"]["count"] / widest, 1))
        leaving = {step["stage"]: step["count"] for step in after["leaving"]}
        self.assertEqual(
            leaving["lost"], Partner.search_count([("lifecycle_stage", "=", "lost"), ("parent_id", "=", False)])
        )

    def test_change_against_thirty_days_ago(self):
        Snapshot = self.env["ecrm.lifecycle.snapshot"]
        today = fields.Date.context_today(Snapshot)
        Snapshot.search([]).unlink()
        self.assertIsNone(self.cards(Snapshot.get_dashboard_data())["new"]["change"], "no history, no change")
        Snapshot._cron_take_snapshot()
        self.assertIsNone(self.cards(Snapshot.get_dashboard_data())["new"]["change"], "today is no comparison")
        old = today - timedelta(days=35)
        Snapshot.create(
            [
                {"date": old, "lifecycle_stage": "new", "partner_count": 1},
                {"date": old, "lifecycle_stage": "loyal", "partner_count": 4},
                {"date": today - timedelta(days=90), "lifecycle_stage": "new", "partner_count": 50},
            ]
        )
        data = Snapshot.get_dashboard_data()
        cards = self.cards(data)
        self.assertEqual(data["since"], fields.Date.to_string(old))
        self.assertEqual(cards["new"]["previous"], 1)
        self.assertEqual(cards["new"]["change"], cards["new"]["count"] - 1)
        self.assertEqual(cards["active"]["previous"], 5)
        self.assertEqual(cards["latent"]["previous"], 0)
        # the snapshot counts today's customers per stage, in one go
        todays = Snapshot.search([("date", "=", today)])
        counted = sum(todays.filtered(lambda s: s.lifecycle_stage == "latent").mapped("partner_count"))
        self.assertEqual(counted, cards["latent"]["count"])

    def test_other_company_sees_no_snapshot(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        self.env["ecrm.lifecycle.snapshot"].create(
            {"date": fields.Date.today(), "company_id": self.company.id, "lifecycle_stage": "new", "partner_count": 7}
        )
        user_b = new_test_user(
            self.env,
            "dash_user_b",
            groups="base.group_user,ecrm_core.group_ecrm_user",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        self.assertFalse(
            self.env["ecrm.lifecycle.snapshot"].with_user(user_b).search([("company_id", "=", self.company.id)])
        )
        employee = new_test_user(self.env, "dash_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["ecrm.lifecycle.snapshot"].with_user(employee).get_dashboard_data()


@tagged("post_install", "-at_install", "ecrm_core")
class TestDashboardTour(HttpCase):
    def test_dashboard_tour(self):
        self.start_tour("/odoo/action-ecrm_core.ecrm_dashboard_action", "ecrm_core_dashboard", login="admin")


@tagged("post_install", "-at_install", "ecrm_core")
class TestFaqTopics(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_q = cls.env["res.company"].create({"name": "Questions Co."})
        cls.Topic = cls.env["ecrm.faq.topic"]
        cls.user_q = new_test_user(
            cls.env,
            "faq_user_q",
            groups="base.group_user,ecrm_core.group_ecrm_user",
            company_id=cls.company_q.id,
            company_ids=[(6, 0, cls.company_q.ids)],
        )

    def ask(self, text, days_ago=1, touchpoint_type="support", direction="inbound", partner=None):
        return self.Touchpoint.create(
            {
                "partner_id": (partner or self.customer).id,
                "company_id": self.company_q.id,
                "touchpoint_type": touchpoint_type,
                "direction": direction,
                "summary": text,
                "date": fields.Datetime.now() - timedelta(days=days_ago),
            }
        )

    def topics(self):
        return self.Topic.search([("company_id", "=", self.company_q.id)])

    def test_repeated_questions_become_topics(self):
        returns = (
            self.ask("How do I return a damaged product?", days_ago=2)
            | self.ask("Can I return the product after 10 days?", days_ago=10, touchpoint_type="chat")
            | self.ask("What is your return policy for damaged products?", days_ago=45, touchpoint_type="email_in")
        )
        delivery = (
            self.ask("ارسال سفارش به شیراز چند روز طول می‌کشد؟", days_ago=3)
            | self.ask("زمان ارسال سفارش به شیراز چقدر است؟", days_ago=5, touchpoint_type="social")
            | self.ask("ارسال به شيراز چند روز طول مي‌كشد؟", days_ago=40)  # Arabic yeh and kaf
        )
        # not questions to support: an inbound thank-you, our own answer, a question older than 90 days
        self.ask("Thanks, the return worked fine.", touchpoint_type="chat")
        self.ask("How do I return a product? Here is how.", touchpoint_type="email_out", direction="outbound")
        self.ask("How do I return a damaged product?", days_ago=120)
        self.Topic._group_questions(self.company_q)
        topics = self.topics()
        self.assertEqual(len(topics), 2)
        by_questions = {frozenset(topic.touchpoint_ids.ids): topic for topic in topics}
        self.assertIn(frozenset(returns.ids), by_questions)
        self.assertIn(frozenset(delivery.ids), by_questions)
        topic = by_questions[frozenset(returns.ids)]
        self.assertEqual(topic.question_count, 3)
        self.assertEqual(topic.question_count_30d, 2)
        self.assertEqual(topic.question_count_prev_30d, 1)
        self.assertEqual(topic.trend, "new")
        self.assertEqual(topic.state, "new")
        self.assertIn("return", topic.keywords)
        self.assertIn("How do I return a damaged product?", topic.example_questions)
        persian = by_questions[frozenset(delivery.ids)]
        self.assertIn("شیراز", persian.keywords)
        action = topic.action_open_questions()
        self.assertEqual(self.Touchpoint.search_count(action["domain"]), 3)

    def test_topics_keep_their_state_across_runs(self):
        self.ask("How do I return a damaged product?", days_ago=40)
        self.ask("Can I return the product after 10 days?", days_ago=45)
        self.Topic._group_questions(self.company_q)
        topic = self.topics()
        self.assertEqual(len(topic), 1)
        topic.with_user(self.user_q).write(
            {"state": "website", "website_url": "https://shop.example.com/returns", "name": "Returns"}
        )
        # more people ask the same this month
        for days_ago in (1, 2, 3, 4):
            self.ask("return policy for a damaged product?", days_ago=days_ago)
        self.Topic._group_questions(self.company_q)
        self.assertEqual(self.topics(), topic, "the same topic, not a new one")
        self.assertEqual(topic.name, "Returns")
        self.assertEqual(topic.state, "website")
        self.assertEqual(topic.question_count, 6)
        self.assertEqual(topic.trend, "rising")
        # once nobody asks any more, the topic stays with no recent questions
        self.Touchpoint.search([("company_id", "=", self.company_q.id)]).unlink()
        self.Topic._group_questions(self.company_q)
        self.assertEqual(topic.question_count, 0)
        self.assertFalse(topic.touchpoint_ids)

    def test_security(self):
        self.ask("How do I return a damaged product?")
        self.ask("Can I return the product after 10 days?")
        self.Topic._group_questions(self.company_q)
        topic = self.topics()
        self.assertTrue(topic)
        # a user of the main company does not see another company's topics
        self.assertFalse(self.Topic.with_user(self.user_ecrm).search([("id", "=", topic.id)]))
        with self.assertRaises(AccessError):
            topic.with_user(self.user_ecrm).read(["name"])
        user_q = self.user_q
        topic.with_user(user_q).write({"state": "product"})
        with self.assertRaises(AccessError):
            topic.with_user(user_q).unlink()
        with self.assertRaises(AccessError):
            self.Topic.with_user(user_q).create({"name": "Mine"})
