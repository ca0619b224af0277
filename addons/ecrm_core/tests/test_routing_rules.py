"""Routing (C11): the right person for each lead and message, round-robin within capacity, breaches."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import EcrmCommon

SALES = "base.group_user,sales_team.group_sale_salesman,ecrm_core.group_ecrm_user"


@tagged("post_install", "-at_install", "ecrm_core")
class TestRoutingRules(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the demo rules must not interfere: these tests define their own
        cls.env["ecrm.routing.rule"].search([]).active = False
        cls.env["res.lang"]._activate_lang("fa_IR")
        cls.users = {
            name: mail_new_test_user(cls.env, login="route_%s" % name, name=name.title(), groups=SALES)
            for name in ("vip", "segment", "loyal", "region", "chat", "persian", "consumer", "anna", "bahram", "cyrus")
        }
        cls.team = cls.env["crm.team"].create({"name": "Corporate Desk", "use_leads": True})
        Member = cls.env["crm.team.member"]
        cls.member_anna = Member.create(
            {"crm_team_id": cls.team.id, "user_id": cls.users["anna"].id, "assignment_max": 2}
        )
        cls.member_bahram = Member.create(
            {"crm_team_id": cls.team.id, "user_id": cls.users["bahram"].id, "assignment_max": 3}
        )
        Member.create(
            {
                "crm_team_id": cls.team.id,
                "user_id": cls.users["cyrus"].id,
                "assignment_max": 10,
                "assignment_optout": True,
            }
        )
        Partner = cls.env["res.partner"]
        iran = cls.env.ref("base.ir")
        cls.isfahan = cls.env["res.country.state"].create({"name": "Isfahan", "code": "ISF", "country_id": iran.id})
        cls.partners = {
            "vip_b2b": Partner.create({"name": "VIP Holding", "is_company": True, "country_id": iran.id}),
            "b2b": Partner.create({"name": "Karaj Steel", "is_company": True, "country_id": iran.id}),
            "segment": Partner.create({"name": "Segment Member", "country_id": iran.id}),
            "loyal": Partner.create({"name": "Loyal Lida", "country_id": iran.id}),
            "region": Partner.create({"name": "Isfahani", "country_id": iran.id, "state_id": cls.isfahan.id}),
            "persian": Partner.create({"name": "Farsi Speaker", "lang": "fa_IR"}),
            "consumer": Partner.create({"name": "Plain Consumer", "country_id": cls.env.ref("base.tr").id}),
        }
        vip = cls.partners["vip_b2b"]
        if "is_best_customer" in Partner._fields:
            vip.is_best_customer = True
        else:
            vip.category_id = cls.env.ref("ecrm_core.res_partner_category_vip")
        cls.partners["loyal"].lifecycle_stage = "loyal"
        cls.segment = cls.env["ecrm.segment"].create(
            {"name": "Test segment", "kind": "rule", "rule_domain": "[('id', '=', %d)]" % cls.partners["segment"].id}
        )
        cls.segment._refresh_members()
        Rule = cls.env["ecrm.routing.rule"]
        stage = cls.env.ref("ecrm_core.ecrm_lifecycle_stage_loyal")
        cls.rules = Rule.create(
            [
                {"name": "VIP", "sequence": 1, "vip": "vip", "user_id": cls.users["vip"].id, "response_hours": 2},
                {
                    "name": "B2B Iran leads",
                    "sequence": 2,
                    "for_emails": False,
                    "for_touchpoints": False,
                    "customer_type": "b2b",
                    "country_ids": [(6, 0, iran.ids)],
                    "team_id": cls.team.id,
                    "response_hours": 8,
                },
                {
                    "name": "Segment",
                    "sequence": 3,
                    "segment_ids": [(6, 0, cls.segment.ids)],
                    "user_id": cls.users["segment"].id,
                },
                {
                    "name": "Loyal",
                    "sequence": 4,
                    "lifecycle_stage_ids": [(6, 0, stage.ids)],
                    "user_id": cls.users["loyal"].id,
                },
                {
                    "name": "Isfahan",
                    "sequence": 5,
                    "state_ids": [(6, 0, cls.isfahan.ids)],
                    "user_id": cls.users["region"].id,
                },
                {
                    "name": "Chat",
                    "sequence": 6,
                    "for_leads": False,
                    "channel_ids": [(6, 0, cls.env.ref("ecrm_core.ecrm_channel_chat").ids)],
                    "user_id": cls.users["chat"].id,
                    "response_hours": 1,
                },
                {
                    "name": "Persian",
                    "sequence": 7,
                    "lang_ids": [(6, 0, cls.env["res.lang"]._lang_get("fa_IR").ids)],
                    "user_id": cls.users["persian"].id,
                },
                {"name": "Consumers", "sequence": 8, "customer_type": "b2c", "user_id": cls.users["consumer"].id},
            ]
        )
        cls.rule = {rule.name: rule for rule in cls.rules}

    def new_lead(self, partner, **values):
        return self.env["crm.lead"].create(
            dict({"name": "Lead of %s" % partner.name, "partner_id": partner.id, "user_id": False}, **values)
        )

    def test_each_condition_picks_its_person(self):
        expected = {
            "vip_b2b": ("VIP", self.users["vip"]),
            "segment": ("Segment", self.users["segment"]),
            "loyal": ("Loyal", self.users["loyal"]),
            "region": ("Isfahan", self.users["region"]),
            "persian": ("Persian", self.users["persian"]),
            "consumer": ("Consumers", self.users["consumer"]),
        }
        for key, (rule_name, user) in expected.items():
            with self.subTest(partner=key):
                lead = self.new_lead(self.partners[key])
                self.assertEqual(lead.ecrm_routing_rule_id, self.rule[rule_name])
                self.assertEqual(lead.user_id, user)
                self.assertTrue(lead.ecrm_response_due)

    def test_first_matching_rule_wins(self):
        # VIP Holding is also a business in Iran: the VIP rule comes first
        lead = self.new_lead(self.partners["vip_b2b"])
        self.assertEqual(lead.ecrm_routing_rule_id, self.rule["VIP"])
        self.rule["VIP"].sequence = 10
        lead = self.new_lead(self.partners["vip_b2b"])
        self.assertEqual(lead.ecrm_routing_rule_id, self.rule["B2B Iran leads"])
        self.assertEqual(lead.team_id, self.team)

    def test_round_robin_spreads_business_leads_within_capacity(self):
        leads = self.env["crm.lead"]
        for i in range(6):
            leads |= self.new_lead(self.partners["b2b"], name="Order %d" % i)
        anna, bahram, cyrus = self.users["anna"], self.users["bahram"], self.users["cyrus"]
        self.assertEqual(leads[:4].user_id, anna | bahram)
        self.assertEqual([lead.user_id for lead in leads[:4]], [anna, bahram, anna, bahram], "members take turns")
        self.assertEqual(len(leads.filtered(lambda lead: lead.user_id == anna)), 2, "Anna's capacity is 2")
        self.assertEqual(len(leads.filtered(lambda lead: lead.user_id == bahram)), 3, "Bahram's capacity is 3")
        self.assertFalse(leads.filtered(lambda lead: lead.user_id == cyrus), "Cyrus opted out of assignment")
        last = leads[5]
        self.assertFalse(last.user_id, "everyone is full: the lead waits in the team")
        self.assertEqual(last.team_id, self.team)
        self.assertEqual(last.ecrm_routing_rule_id, self.rule["B2B Iran leads"])
        # crm counts the same load on the team membership
        self.assertEqual(self.member_anna.lead_month_count, 2)

    def test_leads_with_a_salesperson_and_companies_without_rules(self):
        salesperson = self.users["anna"]
        lead = (
            self.env["crm.lead"]
            .with_user(salesperson)
            .create({"name": "My own lead", "partner_id": self.partners["b2b"].id})
        )
        self.assertEqual(lead.user_id, salesperson)
        self.assertFalse(lead.ecrm_routing_rule_id)
        company_b = self.env["res.company"].create({"name": "No Rules Inc."})
        lead = self.new_lead(self.partners["consumer"], company_id=company_b.id)
        self.assertFalse(lead.user_id)
        self.assertFalse(lead.ecrm_routing_rule_id)

    def test_lead_from_an_email_counts_as_the_email_channel(self):
        email_rule = self.rule["Chat"].copy(
            {
                "name": "E-mail leads",
                "sequence": 0,
                "for_leads": True,
                "channel_ids": [(6, 0, self.env.ref("ecrm_core.ecrm_channel_email").ids)],
            }
        )
        lead = (
            self.env["crm.lead"]
            .with_context(ecrm_routing_channel="email")
            .create({"name": "Question by mail", "email_from": "someone@example.com", "user_id": False})
        )
        self.assertEqual(lead.ecrm_routing_rule_id, email_rule)
        lead = self.env["crm.lead"].create({"name": "From the phone", "email_from": "x@example.com", "user_id": False})
        self.assertNotEqual(lead.ecrm_routing_rule_id, email_rule)

    def test_messages_waiting_for_an_answer(self):
        chat = self.Touchpoint.create(
            {"partner_id": self.partners["consumer"].id, "touchpoint_type": "chat", "summary": "Is it in stock?"}
        )
        self.assertTrue(chat.needs_answer)
        self.assertEqual(chat.routing_rule_id, self.rule["Chat"])
        self.assertEqual(chat.assigned_user_id, self.users["chat"])
        self.assertTrue(chat.response_due)
        # an inbound e-mail of a VIP goes by the VIP rule
        mail = self.Touchpoint.create({"partner_id": self.partners["vip_b2b"].id, "touchpoint_type": "email_in"})
        self.assertEqual(mail.assigned_user_id, self.users["vip"])
        # the B2B rule is for leads only: a business e-mail falls through to no rule
        other = self.Touchpoint.create({"partner_id": self.partners["b2b"].id, "touchpoint_type": "email_in"})
        self.assertFalse(other.routing_rule_id)
        # a message about a lead goes to the lead's salesperson, whatever the rules say
        lead = self.env["crm.lead"].create(
            {"name": "Existing deal", "partner_id": self.partners["consumer"].id, "user_id": self.users["anna"].id}
        )
        about_lead = self.Touchpoint.create(
            {
                "partner_id": self.partners["consumer"].id,
                "touchpoint_type": "chat",
                "res_model": "crm.lead",
                "res_id": lead.id,
            }
        )
        self.assertEqual(about_lead.assigned_user_id, self.users["anna"])
        self.assertFalse(about_lead.routing_rule_id)
        # outbound and informational touchpoints wait for nothing
        visit = self.Touchpoint.create({"partner_id": self.partners["consumer"].id, "touchpoint_type": "web_visit"})
        self.assertFalse(visit.needs_answer or visit.assigned_user_id)

    def test_answers_and_breaches(self):
        now = fields.Datetime.now()
        with freeze_time(now):
            late = self.Touchpoint.create(
                {"partner_id": self.partners["consumer"].id, "touchpoint_type": "chat", "date": now}
            )
            second = self.env["res.partner"].create(
                {"name": "Second Consumer", "country_id": self.env.ref("base.tr").id}
            )
            on_time = self.Touchpoint.create({"partner_id": second.id, "touchpoint_type": "chat", "date": now})
        self.assertEqual(late.response_due, now + timedelta(hours=1))
        with freeze_time(now + timedelta(minutes=30)):
            answer = self.Touchpoint.create(
                {
                    "partner_id": second.id,
                    "touchpoint_type": "email_out",
                    "direction": "outbound",
                    "date": now + timedelta(minutes=30),
                }
            )
        self.assertEqual(on_time.answered_date, answer.date)
        self.assertFalse(late.answered_date)
        Rule = self.env["ecrm.routing.rule"]
        with freeze_time(now + timedelta(minutes=50)):
            Rule._cron_ecrm_routing()
        self.assertFalse(late.response_breached, "not late yet")
        with freeze_time(now + timedelta(hours=2)):
            result = Rule._cron_ecrm_routing()
        self.assertGreaterEqual(result["breaches"], 1)
        self.assertTrue(late.response_breached)
        self.assertFalse(on_time.response_breached)
        Report = self.env["ecrm.routing.report"]
        rows = Report.search([("touchpoint_id", "in", (late | on_time).ids)])
        self.assertEqual(rows.filtered("breached").touchpoint_id, late)
        self.assertEqual(rows.filtered(lambda r: not r.breached).response_hours, 0.5)
        self.assertEqual(rows.filtered("breached").status, "overdue")
        self.assertEqual(rows.filtered(lambda r: not r.breached).status, "on_time")
        self.assertEqual(self.rule["Chat"].breach_count, 1)
        self.assertEqual(self.rule["Chat"].assigned_count, 2)
        # answering late keeps the breach
        with freeze_time(now + timedelta(hours=3)):
            late.with_user(self.user_ecrm).action_mark_answered()
            Rule._cron_ecrm_routing()
        self.assertEqual(late.answered_date, now + timedelta(hours=3))
        self.assertTrue(late.response_breached)

    def test_lead_response_time(self):
        now = fields.Datetime.now()
        with freeze_time(now):
            answered = self.new_lead(self.partners["b2b"], name="Answered")
            waiting = self.new_lead(self.partners["b2b"], name="Waiting")
        self.assertEqual(answered.ecrm_response_due, now + timedelta(hours=8))
        next_stage = self.env["crm.stage"].search([("id", "!=", answered.stage_id.id)], limit=1)
        with freeze_time(now + timedelta(hours=1)):
            answered.write({"stage_id": next_stage.id})
        self.assertEqual(answered.ecrm_first_response_date, now + timedelta(hours=1))
        with freeze_time(now + timedelta(hours=9)):
            self.env["ecrm.routing.rule"]._cron_ecrm_routing()
        self.assertFalse(answered.ecrm_response_breached)
        self.assertTrue(waiting.ecrm_response_breached)
        report = self.env["ecrm.routing.report"].search([("lead_id", "in", (answered | waiting).ids)])
        self.assertEqual(report.filtered("breached").lead_id, waiting)
        self.assertEqual(report.filtered("is_open").lead_id, waiting)

    def test_a_rule_needs_a_target_and_something_to_route(self):
        Rule = self.env["ecrm.routing.rule"]
        with self.assertRaises(ValidationError):
            Rule.create({"name": "Nowhere"})
        with self.assertRaises(ValidationError):
            Rule.create(
                {
                    "name": "Nothing",
                    "user_id": self.users["vip"].id,
                    "for_leads": False,
                    "for_emails": False,
                    "for_touchpoints": False,
                }
            )
        with self.assertRaises(ValidationError):
            Rule.create({"name": "Negative", "user_id": self.users["vip"].id, "response_hours": -1})

    def test_security(self):
        self.new_lead(self.partners["consumer"])
        company_b = self.env["res.company"].create({"name": "Company B"})
        user_b = new_test_user(
            self.env,
            "route_user_b",
            groups="base.group_user,ecrm_core.group_ecrm_manager",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        self.assertFalse(self.env["ecrm.routing.rule"].with_user(user_b).search([]))
        self.assertFalse(self.env["ecrm.routing.report"].with_user(user_b).search([]))
        with self.assertRaises(AccessError):
            self.rules[0].with_user(user_b).read(["name"])
        # eCRM users read the rules and the report; only managers change rules
        self.assertTrue(self.env["ecrm.routing.report"].with_user(self.user_ecrm).search([]))
        self.assertTrue(self.rules[0].with_user(self.user_ecrm).name)
        with self.assertRaises(AccessError):
            self.rules[0].with_user(self.user_ecrm).write({"sequence": 99})
        with self.assertRaises(AccessError):
            self.env["ecrm.routing.rule"].with_user(self.user_ecrm).create(
                {"name": "Mine", "user_id": self.user_ecrm.id}
            )
        self.rules[0].with_user(self.user_ecrm_manager).write({"sequence": 99})
        employee = new_test_user(self.env, "route_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["ecrm.routing.rule"].with_user(employee).search([])
