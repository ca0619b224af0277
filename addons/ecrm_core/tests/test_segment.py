"""Customer segments (C7, C12): rule and RFM membership, refresh bookkeeping, companies."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .rfm_common import RfmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestSegment(RfmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.tehran = Partner.create(
            [
                {"name": "Tehrani %d" % number, "city": "Testabad", "email": "t%d@example.com" % number}
                for number in range(3)
            ]
        )
        cls.Segment = cls.env["ecrm.segment"]
        cls.rule_segment = cls.Segment.create(
            {"name": "Testabad customers", "kind": "rule", "rule_domain": "[('city', '=', 'Testabad')]"}
        )

    def rfm_values(self, *keys):
        return self.env["ir.model.fields.selection"].search(
            [("field_id.model", "=", "res.partner"), ("field_id.name", "=", "rfm_segment"), ("value", "in", keys)]
        )

    def test_rule_segment_refresh_records_who_entered_and_left(self):
        segment = self.rule_segment
        first = segment._refresh_members()
        self.assertEqual(segment.partner_ids, self.tehran)
        self.assertEqual((first.size, first.entered_count, first.left_count), (3, 3, 0))
        self.assertEqual(first.entered_line_ids.partner_id, self.tehran)
        self.assertEqual(segment.member_count, 3)
        self.assertIn(segment, self.tehran[0].segment_ids)

        # one moves away, a new one moves in
        self.tehran[0].city = "Elsewhere"
        newcomer = self.env["res.partner"].create({"name": "Newcomer", "city": "Testabad"})
        second = segment._refresh_members()
        self.assertEqual(segment.partner_ids, self.tehran[1:] | newcomer)
        self.assertEqual((second.size, second.entered_count, second.left_count), (3, 1, 1))
        self.assertEqual(second.entered_line_ids.partner_id, newcomer)
        self.assertEqual(second.left_line_ids.partner_id, self.tehran[0])
        self.assertNotIn(segment, self.tehran[0].segment_ids)

        # nothing changed: a refresh with no one entering or leaving, still recorded for the size history
        third = segment._refresh_members()
        self.assertEqual((third.size, third.entered_count, third.left_count), (3, 0, 0))
        self.assertFalse(third.line_ids)
        self.assertEqual(segment.refresh_ids, first | second | third)

    def test_archived_contacts_leave(self):
        self.rule_segment._refresh_members()
        self.tehran[2].action_archive()
        refresh = self.rule_segment._refresh_members()
        self.assertEqual(refresh.left_line_ids.partner_id, self.tehran[2])

    def test_rfm_segment_members(self):
        self.env["res.partner"]._ecrm_compute_rfm()
        segment = self.Segment.create(
            {"name": "Best", "kind": "rfm", "rfm_segment_ids": [(6, 0, self.rfm_values("champions", "loyal").ids)]}
        )
        self.assertIn("Champions", segment.rfm_explanation)
        segment._refresh_members()
        # A is a champion; F is a loyal company, and its buyer belongs with it
        self.assertEqual(segment.partner_ids, self.people["A"] | self.people["F"] | self.buyer_f)

    def test_mailing_domain_finds_the_members(self):
        self.rule_segment._refresh_members()
        found = self.env["res.partner"].search([("segment_ids", "in", [self.rule_segment.id])])
        self.assertEqual(found, self.tehran)

    def test_bad_definitions_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a valid filter"):
            self.Segment.create({"name": "Broken", "kind": "rule", "rule_domain": "[('no_such_field', '=', 1)]"})
        with self.assertRaisesRegex(ValidationError, "not a valid filter"):
            self.Segment.create({"name": "Broken", "kind": "rule", "rule_domain": "[('city', '=', "})
        with self.assertRaisesRegex(ValidationError, "RFM segment"):
            self.Segment.create({"name": "Empty", "kind": "rfm"})
        with self.assertRaisesRegex(ValidationError, "cluster"):
            self.Segment.create({"name": "No cluster", "kind": "cluster"})

    def test_dates_in_rules(self):
        segment = self.Segment.create(
            {
                "name": "Created this year",
                "rule_domain": "[('city', '=', 'Testabad'), "
                "('create_date', '>=', (context_today() - relativedelta(years=1)).strftime('%Y-%m-%d'))]",
            }
        )
        segment._refresh_members()
        self.assertEqual(segment.partner_ids, self.tehran)

    def test_cron_goes_on_after_a_broken_segment(self):
        broken = self.Segment.create({"name": "Soon broken", "rule_domain": "[('city', '=', 'Testabad')]"})
        # a rule that stopped working (e.g. its field was removed with a module)
        self.env.cr.execute("UPDATE ecrm_segment SET rule_domain = '[(''gone'', ''='', 1)]' WHERE id = %s", [broken.id])
        broken.invalidate_recordset()
        with self.assertLogs("odoo.addons.ecrm_core.models.ecrm_segment", "WARNING") as logs:
            self.Segment._cron_refresh_members()
        self.assertIn("Soon broken", logs.output[0])
        self.assertEqual(self.rule_segment.member_count, 3)
        self.assertFalse(broken.refresh_ids)

    def test_user_refreshes_on_demand(self):
        segment = self.rule_segment.with_user(self.user_ecrm)
        segment.action_refresh()
        self.assertEqual(segment.member_count, 3)
        self.assertEqual(segment.refresh_ids.size, 3)
        plain = new_test_user(self.env, "segment_plain", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.rule_segment.with_user(plain).action_refresh()


@tagged("post_install", "-at_install", "ecrm_core")
class TestSegmentCompanies(RfmCommon):
    """A user of another company sees neither the segments nor the scores of company A (C16)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Segment Company B"})
        cls.user_b = new_test_user(
            cls.env,
            "segment_user_b",
            groups="base.group_user,ecrm_core.group_ecrm_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        # company A's customers are company A's contacts
        (cls.buyer_f | cls.env["res.partner"].concat(*cls.people.values())).write({"company_id": cls.company.id})
        cls.env["res.partner"]._ecrm_compute_rfm()
        champions = cls.env["ir.model.fields.selection"].search(
            [("field_id.model", "=", "res.partner"), ("field_id.name", "=", "rfm_segment"), ("value", "=", "champions")]
        )
        cls.segment_a = cls.env["ecrm.segment"].create(
            {
                "name": "A champions",
                "kind": "rfm",
                "rfm_segment_ids": [(6, 0, champions.ids)],
                "company_id": cls.company.id,
            }
        )
        cls.segment_a._refresh_members()
        cls.shared = cls.env["res.partner"].create({"name": "Shared by all", "city": "Sharedabad"})
        cls.segment_a_shared = cls.env["ecrm.segment"].create(
            {"name": "A rule", "rule_domain": "[('city', '=', 'Sharedabad')]", "company_id": cls.company.id}
        )
        cls.segment_a_shared._refresh_members()

    def test_segment_members_are_of_the_company(self):
        self.assertEqual(self.segment_a.partner_ids, self.people["A"])
        partner_b = self.env["res.partner"].create(
            {"name": "B customer", "city": "Sharedabad", "company_id": self.company_b.id}
        )
        self.segment_a_shared._refresh_members()
        self.assertNotIn(partner_b, self.segment_a_shared.partner_ids)
        self.assertIn(self.shared, self.segment_a_shared.partner_ids)

    def test_other_company_sees_no_segment(self):
        Segment = self.env["ecrm.segment"].with_user(self.user_b)
        self.assertFalse(Segment.search([]) & (self.segment_a | self.segment_a_shared))
        with self.assertRaises(AccessError):
            self.segment_a.with_user(self.user_b).read(["name"])
        with self.assertRaises(AccessError):
            self.segment_a.with_user(self.user_b).partner_ids  # noqa: B018
        refreshes = self.env["ecrm.segment.refresh"].with_user(self.user_b).search([])
        self.assertFalse(refreshes & self.segment_a.refresh_ids)
        lines = self.env["ecrm.segment.refresh.line"].with_user(self.user_b).search([])
        self.assertFalse(lines & self.segment_a.refresh_ids.line_ids)
        with self.assertRaises(AccessError):
            self.segment_a.with_user(self.user_b)._refresh_members()

    def test_other_company_finds_no_scored_customer(self):
        Partner = self.env["res.partner"].with_user(self.user_b)
        self.assertFalse(Partner.search([("rfm_segment", "!=", False)]) & self.people["A"])
        self.assertFalse(Partner.search([("segment_ids", "in", self.segment_a.ids)]))
        self.assertFalse(Partner.search([("rfm_segment", "=", "champions")]))
        # a shared contact is visible to both, but company A's segments on it are not
        shared = self.shared.with_user(self.user_b)
        self.assertEqual(shared.name, "Shared by all")
        self.assertFalse(shared.segment_ids)
        self.shared.invalidate_recordset(["segment_ids"])
        self.assertEqual(self.shared.segment_ids, self.segment_a_shared)

    def test_other_company_sees_no_snapshot(self):
        Snapshot = self.env["ecrm.rfm.snapshot"]
        Snapshot._take_snapshot(fields.Date.today() + relativedelta(months=1))
        self.assertIn(self.people["A"], Snapshot.search([]).partner_id)
        snapshots = self.env["ecrm.rfm.snapshot"].with_user(self.user_b).search([])
        self.assertFalse(snapshots.partner_id & self.people["A"])
        movements = self.env["ecrm.rfm.movement"].with_user(self.user_b).search([])
        self.assertFalse(movements.partner_id & self.people["A"])
        scores = self.env["ecrm.rfm.score"].with_user(self.user_b).search([])
        self.assertFalse(scores.partner_id & self.people["A"])
        self.assertIn(self.people["A"], self.env["ecrm.rfm.score"].with_user(self.user_ecrm).search([]).partner_id)
