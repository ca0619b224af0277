"""The periodic segment report mailed to the eCRM managers (C12)."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestSegmentReport(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fa_IR")
        cls.user_ecrm_manager.lang = "fa_IR"
        Partner = cls.env["res.partner"]
        cls.p1, cls.p2, cls.p3, cls.p4 = Partner.create(
            [
                {"name": name, "city": city}
                for name, city in [
                    ("Shahla Left", "Reportabad"),
                    ("Dariush Stays", "Reportabad"),
                    ("Golnar Came", "Nowhere"),
                    ("Bijan Came", "Nowhere"),
                ]
            ]
        )
        cls.segment = cls.env["ecrm.segment"].create(
            {"name": "Reportabad customers", "rule_domain": "[('city', '=', 'Reportabad')]"}
        )
        cls.now = fields.Datetime.now()
        with freeze_time(cls.now - timedelta(days=10)):
            cls.segment._refresh_members()
        (cls.p3 | cls.p4).city = "Reportabad"
        cls.p1.city = "Nowhere"
        with freeze_time(cls.now - timedelta(days=3)):
            cls.segment._refresh_members()

    def report_mail(self, user):
        mails = self._new_mails.filtered(lambda mail: user.partner_id in mail.recipient_ids)
        self.assertEqual(len(mails), 1, "one report per manager")
        return mails

    def test_weekly_report(self):
        with self.mock_mail_gateway():
            self.env["ecrm.segment"]._cron_send_segment_report()
        mail = self.report_mail(self.user_ecrm_manager)
        body = str(mail.body_html)
        self.assertIn("Reportabad customers", body)
        # three members now, two a week ago (at the refresh ten days ago): +1, two entered, one left
        row = body[body.index("Reportabad customers") :]
        self.assertRegex(row, r"(?s)Reportabad customers.*?>\s*3\s*<.*?>\s*\+1\s*<.*?>\s*2\s*<.*?>\s*1\s*<")
        self.assertIn("Entered: Bijan Came, Golnar Came", row)
        self.assertIn("Left: Shahla Left", row)
        self.assertNotIn("Dariush Stays", row, "a member all along neither entered nor left")
        self.assertIn('dir="rtl"', body, "the Persian-speaking manager gets a right-to-left mail")
        self.assertIn(self.env.company.name, mail.subject)
        # the admin (English) gets the same report left to right; a plain eCRM user gets none
        self.assertIn('dir="ltr"', str(self.report_mail(self.env.ref("base.user_admin")).body_html))
        self.assertFalse(self._new_mails.filtered(lambda mail: self.user_ecrm.partner_id in mail.recipient_ids))

    def test_monthly_report(self):
        settings = self.env["res.config.settings"].create({"ecrm_segment_report_period": "monthly"})
        settings.execute()
        self.assertEqual(self.env.ref("ecrm_core.ir_cron_segment_report").interval_type, "months")
        with self.mock_mail_gateway():
            self.env["ecrm.segment"]._cron_send_segment_report()
        body = str(self.report_mail(self.user_ecrm_manager).body_html)
        row = body[body.index("Reportabad customers") :]
        # both refreshes are in the month: from nothing to three; Shahla entered and left again, so is in neither
        self.assertRegex(row, r"(?s)Reportabad customers.*?>\s*3\s*<.*?>\s*\+3\s*<.*?>\s*3\s*<.*?>\s*0\s*<")
        self.assertIn("Entered: Bijan Came, Dariush Stays, Golnar Came", row)
        self.assertNotIn("Shahla Left", row)

    def test_report_data_lists_at_most_ten_names(self):
        Partner = self.env["res.partner"]
        Partner.create([{"name": "Crowd %02d" % number, "city": "Reportabad"} for number in range(12)])
        self.segment._refresh_members()
        start = self.now - timedelta(days=1)
        [report] = [
            row
            for row in self.segment._segment_report_data(self.env.company, start, fields.Datetime.now() + timedelta(1))
            if row["name"] == "Reportabad customers"
        ]
        self.assertEqual(report["entered_count"], 12)
        self.assertEqual(len(report["entered"]), 10)
        self.assertEqual(report["entered_more"], 2)
