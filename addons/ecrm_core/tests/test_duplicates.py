"""Duplicate contacts (C6): found by mailbox, phone, address and name; merged with nothing lost."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestDuplicates(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Group = cls.env["ecrm.duplicate.group"]
        Partner = cls.env["res.partner"].with_context(default_company_id=cls.company.id)
        iran = cls.env.ref("base.ir").id
        values = {
            # Gmail dots
            "gmail_a": {"name": "Ali Rezaei", "email": "ali.rezaei@gmail.com"},
            "gmail_b": {"name": "Ali Rezaei", "email": "alirezaei@googlemail.com"},
            # +tag, and a latent contact named after its address
            "tag_a": {"name": "Sara Karimi", "email": "sara.karimi@example.org"},
            "tag_b": {"name": "sara.karimi+shop@example.org", "email": "sara.karimi+shop@example.org"},
            # the same phone written two ways, one as a mobile
            "phone_a": {"name": "Reza Moradi", "phone": "0912 111 2233", "country_id": iran},
            "phone_b": {"name": "Reza Moradi", "mobile": "+98 912 111 2233"},
            # a typo in the name, the same address written differently
            "street_a": {
                "name": "Mohammad Hosseini",
                "street": "12 Valiasr Street",
                "zip": "15116",
                "city": "Tehran",
            },
            "street_b": {"name": "Mohamad Hoseini", "street": "Valiasr St. 12", "zip": "15116", "city": "TEHRAN"},
            # not duplicates: a household (same address, another first name), a family mailbox, a common name
            "household": {"name": "Leila Hosseini", "street": "12 Valiasr Street", "zip": "15116", "city": "Tehran"},
            "family_mail": {"name": "Nader Shams", "email": "alirezaei@gmail.com"},
            "namesake": {"name": "Ali Rezaei", "email": "another.ali@example.net"},
        }
        records = Partner.create(list(values.values()))
        cls.p = dict(zip(values, records, strict=True))
        cls.all_test_partners = records
        cls.company_b = cls.env["res.company"].create({"name": "Company B"})
        cls.user_company_b = new_test_user(
            cls.env,
            "ecrm_manager_b",
            groups="base.group_user,ecrm_core.group_ecrm_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )

    def group_of(self, partner):
        return self.Group.search([("partner_ids", "in", partner.ids), ("state", "=", "open")])

    def test_each_kind_is_found_and_the_others_are_not(self):
        stats = self.Group._detect_duplicates()
        self.assertGreaterEqual(stats["created"], 4)
        p = self.p
        expectations = {
            "gmail_a": (p["gmail_b"], "same e-mail (gmail dots)"),
            "tag_a": (p["tag_b"], "same e-mail (+tag)"),
            "phone_a": (p["phone_b"], "same phone"),
            "street_a": (p["street_b"], "same address"),
        }
        for key, (other, reason) in expectations.items():
            with self.subTest(kind=key):
                group = self.group_of(p[key])
                self.assertEqual(len(group), 1)
                self.assertEqual(group.partner_ids, p[key] | other)
                self.assertIn(reason, group.reasons)
                self.assertGreaterEqual(group.score, 50)
                self.assertEqual(group.company_id, self.company)
                self.assertTrue(group.pair_ids)
        self.assertRegex(self.group_of(p["street_a"]).reasons, r"similar name 0\.\d\d")
        for key in ("household", "family_mail", "namesake"):
            with self.subTest(not_duplicate=key):
                self.assertFalse(self.group_of(p[key]), "%s must not be grouped" % key)
        self.assertEqual(p["gmail_a"].open_duplicate_group_id, self.group_of(p["gmail_a"]))

    def test_job_is_repeatable_and_respects_dismissal(self):
        self.Group._detect_duplicates()
        again = self.Group._detect_duplicates()
        self.assertEqual((again["created"], again["removed"], again["updated"]), (0, 0, 0))
        group = self.group_of(self.p["street_a"])
        group.with_user(self.user_ecrm_manager).action_dismiss()
        self.Group._detect_duplicates()
        self.assertFalse(self.group_of(self.p["street_a"]), "dismissed contacts are not grouped again")
        self.assertEqual(group.state, "dismissed")
        # a contact that changed is no longer a duplicate: its open group goes away
        tag_group = self.group_of(self.p["tag_a"])
        self.p["tag_b"].email = "someone.else@example.org"
        self.assertEqual(self.Group._detect_duplicates()["removed"], 1)
        self.assertFalse(tag_group.exists())

    def test_another_company_sees_no_group_of_company_a(self):
        self.Group._detect_duplicates()
        group = self.group_of(self.p["gmail_a"])
        as_b = self.Group.with_user(self.user_company_b)
        self.assertFalse(as_b.search([("id", "=", group.id)]))
        self.assertFalse(as_b.search([("partner_ids", "in", self.all_test_partners.ids)]))
        with self.assertRaises(AccessError):
            group.with_user(self.user_company_b).read(["name"])
        with self.assertRaises(AccessError):
            self.env["ecrm.duplicate.pair"].with_user(self.user_company_b).browse(group.pair_ids.ids).read(["score"])

    def test_only_managers_run_and_review(self):
        self.Group._detect_duplicates()
        group = self.group_of(self.p["gmail_a"]).with_user(self.user_ecrm)
        self.assertTrue(group.name, "eCRM users see the groups")
        with self.assertRaises(AccessError):
            group.action_dismiss()
        with self.assertRaises(UserError):
            self.Group.with_user(self.user_ecrm).action_detect_duplicates()

    def test_warning_while_creating_a_duplicate(self):
        with (
            self.assertLogs("odoo.tests.form.onchange", level="WARNING") as logs,
            Form(self.env["res.partner"].with_user(self.user_ecrm)) as form,
        ):
            form.name = "A. Rezaei"
            form.email = "a.l.i.rezaei+new@gmail.com"
        warning = "\n".join(logs.output)
        self.assertIn("This contact may already exist", warning)
        self.assertIn("ali.rezaei@gmail.com", warning)
        self.assertIn("same e-mail", warning)
        self.assertNotIn("another.ali@example.net", warning, "the namesake has nothing else in common")
        found = self.env["res.partner"].new({"name": "Reza Moradi", "phone": "+989121112233"})
        found = found._ecrm_possible_duplicates()
        # the two with the same phone first; namesakes elsewhere in the database may follow
        self.assertEqual({partner for partner, _score, _reasons in found[:2]}, {self.p["phone_a"], self.p["phone_b"]})
        self.assertTrue(all(score >= 90 and "same phone" in reasons for _partner, score, reasons in found[:2]))
        self.assertLessEqual(len(found), 5)

    def test_merge_keeps_every_touchpoint_order_and_message(self):
        a, b = self.p["gmail_a"], self.p["gmail_b"]
        product = self.env["product.product"].create({"name": "Runner 2", "list_price": 120})
        orders = self.env["sale.order"].create(
            [
                {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": qty})]}
                for partner, qty in ((a, 1), (b, 2))
            ]
        )
        orders.action_confirm()
        touchpoints = self.Touchpoint.create(
            [
                {"partner_id": a.id, "touchpoint_type": "call", "summary": "Called about sizes"},
                {"partner_id": b.id, "touchpoint_type": "web_visit", "summary": "Visited the shop"},
                {"partner_id": b.id, "touchpoint_type": "chat", "summary": "Asked for a discount"},
            ]
        )
        note = a.message_post(body="Prefers e-mail", message_type="comment")
        # a no longer wants messages; that refusal must survive the merge into b
        self.env["mail.blacklist"]._add("ali.rezaei@gmail.com")
        self.assertTrue(a.do_not_message)
        self.Group._detect_duplicates()
        group = self.group_of(a)

        self.user_ecrm_manager.groups_id += self.env.ref("base.group_partner_manager")
        action = group.with_user(self.user_ecrm_manager).action_merge()
        self.assertEqual(action["res_model"], "base.partner.merge.automatic.wizard")
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.user_ecrm_manager)
            .with_context(**action["context"])
            .browse(action["res_id"])
        )
        self.assertEqual(wizard.partner_ids, a | b)
        self.assertEqual(wizard.dst_partner_id, b, "the contact with the most history is kept")
        kept, gone = b, a
        wizard.action_merge()

        self.assertFalse(gone.exists())
        self.assertEqual(orders.partner_id, kept)
        self.assertEqual(touchpoints.partner_id, kept)
        self.assertEqual(touchpoints.commercial_partner_id, kept)
        self.assertEqual(note.res_id, kept.id, "the messages on the merged contact follow")
        self.assertTrue(kept.do_not_message, "the refusal of the merged contact still applies")
        self.assertEqual(kept.do_not_message_reason, "blacklisted")
        self.assertEqual(group.state, "merged")
        self.assertEqual(group.merged_partner_id, kept)
        self.assertEqual(kept.purchase_count, 2, "statistics of the kept contact are refreshed")

    def test_merge_needs_the_contact_creation_right(self):
        self.Group._detect_duplicates()
        group = self.group_of(self.p["phone_a"]).with_user(self.user_ecrm_manager)
        with self.assertRaises(UserError):
            group.action_merge()
