"""Data quality (C6): e-mail checks, phone cleaning, "does not want messages", the score."""

from odoo.tests import Form, tagged

from odoo.addons.ecrm_core.tools.contact import normalize_phone

from .common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestEmailQuality(EcrmCommon):
    def test_email_checks_on_the_contact(self):
        Partner = self.env["res.partner"]
        typo, disposable, role, invalid, good = Partner.create(
            [
                {"name": "Sara Typo", "email": "sara.typo@gmial.com"},
                {"name": "Dan Disposable", "email": "dan@mailinator.com"},
                {"name": "Pars Team", "email": "info@pars.example.com"},
                {"name": "Ivan Invalid", "email": "ivan@@example"},
                {"name": "Gita Good", "email": "Gita.Good+crm@GoogleMail.com"},
            ]
        )
        self.assertEqual((typo.email_quality, typo.email_suggestion), ("typo", "sara.typo@gmail.com"))
        self.assertEqual(disposable.email_quality, "disposable")
        self.assertEqual(role.email_quality, "role")
        self.assertEqual(invalid.email_quality, "invalid")
        self.assertFalse(invalid.email_dedup_key)
        self.assertEqual(good.email_quality, "ok")
        self.assertEqual(good.email_dedup_key, "gitagood@gmail.com", "Gmail dots and +tags do not count")
        # the "Use sara.typo@gmail.com" button of the banner
        typo.with_user(self.user_ecrm).action_ecrm_use_email_suggestion()
        self.assertEqual(typo.email, "sara.typo@gmail.com")
        self.assertEqual(typo.email_quality, "ok")
        self.assertFalse(typo.email_suggestion)

    def test_warning_while_typing(self):
        with (
            self.assertLogs("odoo.tests.form.onchange", level="WARNING") as logs,
            Form(self.env["res.partner"].with_user(self.user_ecrm)) as form,
        ):
            form.name = "Hamid Hasty"
            form.email = "hamid@hotmial.com"
            self.assertEqual(form.email_quality, "typo")
            self.assertEqual(form.email_suggestion, "hamid@hotmail.com")
        self.assertTrue(any("Did you mean hamid@hotmail.com?" in line for line in logs.output), logs.output)

    def test_no_warning_for_a_good_address(self):
        partner = self.env["res.partner"].new({"name": "Quiet", "email": "quiet.person@example.com"})
        self.assertFalse(partner._onchange_email_quality())
        partner.email = "sales@example.com"
        self.assertIn("team", partner._onchange_email_quality()["warning"]["message"])

    def test_cron_fills_keys_of_rows_written_around_the_orm(self):
        partner = self.env["res.partner"].create({"name": "Imported Ida", "email": "ida@yahooo.com"})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET email = 'I.da+x@gmail.com', email_quality = NULL, email_dedup_key = NULL, "
            "name_key = NULL WHERE id = %s",
            [partner.id],
        )
        self.env.invalidate_all()
        report = self.env["ecrm.data.quality"]._refresh_contact_keys([partner.id])
        self.assertEqual(report, {"checked": 1, "changed": 1})
        self.assertEqual((partner.email_quality, partner.email_dedup_key), ("ok", "ida@gmail.com"))
        self.assertEqual(partner.name_key, "imported ida")
        self.assertEqual(self.env["ecrm.data.quality"]._refresh_contact_keys([partner.id])["changed"], 0)


@tagged("post_install", "-at_install", "ecrm_core")
class TestPhoneCleaning(EcrmCommon):
    def test_same_answer_as_phone_validation(self):
        """tools/contact.py (ingestion, no ORM) and Odoo's phone_validation (the models) agree."""
        iran = self.env.ref("base.ir")
        samples = [
            "0912 345 6789",
            "+98 912 345 6789",
            "0098 912 345 6789",
            "989123456789",
            "۰۹۱۲ ۳۴۵ ۶۷۸۹",
            "021 8888 7777",
            "+1 202 555 0143",
            "+44 20 7946 0958",
            "12",
            "0912",
            "call me",
            "+98 999",
        ]
        Partner = self.env["res.partner"]
        for number in samples:
            with self.subTest(number=number):
                self.assertEqual(
                    normalize_phone(number, "IR") or False,
                    Partner._phone_format_number(number, iran, force_format="E164") or False,
                )

    def test_cron_rewrites_numbers_in_international_form(self):
        Partner = self.env["res.partner"]
        national, foreign, broken, clean = Partner.create(
            [
                {"name": "Nima National", "phone": "0912 345 6789", "country_id": self.env.ref("base.ir").id},
                {"name": "Frank Foreign", "mobile": "030 1234567", "country_id": self.env.ref("base.de").id},
                {"name": "Bita Broken", "phone": "12-34", "mobile": "0912 345 6780"},
                {"name": "Cyrus Clean", "phone": "+98 21 8888 7777"},
            ]
        )
        self.assertTrue(broken.phone_invalid, "the unreadable number is flagged at once")
        self.assertEqual(national.phone_e164, "+989123456789")
        report = self.env["ecrm.data.quality"]._clean_phone_numbers((national | foreign | broken | clean).ids)
        self.assertEqual(report["checked"], 4)
        self.assertEqual(report["invalid"], 1)
        self.assertEqual(national.phone, "+98 912 345 6789")
        self.assertEqual(foreign.mobile, "+49 30 1234567")
        self.assertEqual(foreign.mobile_e164, "+49301234567")
        self.assertEqual(broken.phone, "12-34", "what cannot be read is left as typed, for someone to fix")
        self.assertEqual(broken.mobile, "+98 912 345 6780", "the company's country (Iran) reads it")
        self.assertTrue(broken.phone_invalid)
        self.assertEqual(clean.phone, "+98 21 8888 7777")
        self.assertEqual(report["rewritten"], 3)
        # a second run has nothing left to do
        again = self.env["ecrm.data.quality"]._clean_phone_numbers((national | foreign | broken | clean).ids)
        self.assertEqual((again["rewritten"], again["updated"]), (0, 0))

    def test_cron_repairs_numbers_imported_by_sql(self):
        partner = self.env["res.partner"].create({"name": "Sina Sql", "country_id": self.env.ref("base.ir").id})
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET mobile = '0935 111 2222' WHERE id = %s", [partner.id])
        self.env.invalidate_all()
        self.assertFalse(partner.mobile_e164)
        self.env["ecrm.data.quality"]._clean_phone_numbers([partner.id])
        self.assertEqual((partner.mobile, partner.mobile_e164), ("+98 935 111 2222", "+989351112222"))


@tagged("post_install", "-at_install", "ecrm_core")
class TestDoNotMessage(EcrmCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.listed, cls.bouncing, cls.willing = Partner.create(
            [
                {"name": "Leyla Listed", "email": "leyla.listed@example.com"},
                {"name": "Bahram Bouncing", "email": "bahram.bouncing@example.com"},
                {"name": "Vida Willing", "email": "vida.willing@example.com"},
            ]
        )

    def test_blacklisted_contact_is_flagged_at_once(self):
        self.assertFalse(self.listed.do_not_message)
        self.env["mail.blacklist"]._add("LEYLA.listed@example.com")
        self.assertTrue(self.listed.do_not_message)
        self.assertEqual(self.listed.do_not_message_reason, "blacklisted")
        self.env["mail.blacklist"]._remove("leyla.listed@example.com")
        self.assertFalse(self.listed.do_not_message)
        self.assertFalse(self.listed.do_not_message_reason)

    def test_bounced_contact_is_flagged_from_the_threshold(self):
        self.bouncing._message_receive_bounce(self.bouncing.email, self.bouncing)
        self.assertFalse(self.bouncing.do_not_message, "one bounce may be a full mailbox")
        self.bouncing._message_receive_bounce(self.bouncing.email, self.bouncing)
        self.bouncing._message_receive_bounce(self.bouncing.email, self.bouncing)
        self.assertEqual(self.bouncing.message_bounce, 3)
        self.assertEqual(self.bouncing.do_not_message_reason, "bounced")
        self.env["ir.config_parameter"].sudo().set_param("ecrm_core.bounce_threshold", "5")
        self.env["res.partner"]._ecrm_refresh_do_not_message()
        self.assertFalse(self.bouncing.do_not_message)

    def test_population_refresh_and_campaign_domain(self):
        # rows changed behind the ORM's back (an import by SQL) are caught by the cron
        self.env.flush_all()
        self.env.cr.execute(
            "INSERT INTO mail_blacklist (email, active, create_date, write_date) VALUES (%s, true, now(), now())",
            ["vida.willing@example.com"],
        )
        self.env.cr.execute("UPDATE res_partner SET message_bounce = 7 WHERE id = %s", [self.bouncing.id])
        self.env.invalidate_all()
        self.assertFalse(self.willing.do_not_message)
        changed = self.env["res.partner"]._ecrm_refresh_do_not_message()
        self.assertGreaterEqual(changed, 2)
        self.assertEqual(self.willing.do_not_message_reason, "blacklisted")
        self.assertEqual(self.bouncing.do_not_message_reason, "bounced")
        self.assertEqual(self.env["res.partner"]._ecrm_refresh_do_not_message(), 0, "nothing changed since")
        Partner = self.env["res.partner"].with_user(self.user_ecrm)
        contactable = Partner.search(
            Partner._ecrm_contactable_domain() + [("id", "in", (self.listed | self.bouncing | self.willing).ids)]
        )
        self.assertEqual(contactable, self.listed)
        flagged = Partner.search([("do_not_message", "=", True), ("id", "in", (self.listed | self.willing).ids)])
        self.assertEqual(flagged, self.willing)

    def test_campaign_domain_is_live_before_the_cron(self):
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET message_bounce = 9 WHERE id = %s", [self.willing.id])
        self.env.invalidate_all()
        Partner = self.env["res.partner"]
        self.assertFalse(self.willing.do_not_message, "the stored flag waits for the cron")
        self.assertFalse(Partner.search(Partner._ecrm_contactable_domain() + [("id", "=", self.willing.id)]))


@tagged("post_install", "-at_install", "ecrm_core")
class TestQualityScore(EcrmCommon):
    def test_scores_and_bands(self):
        Partner = self.env["res.partner"]
        iran = self.env.ref("base.ir")
        complete = Partner.create(
            {
                "name": "Kamran Complete",
                "email": "kamran.complete@example.com",
                "phone": "+98 912 765 4321",
                "street": "12 Valiasr Street",
                "zip": "1511111111",
                "city": "Tehran",
                "country_id": iran.id,
                "gender": "male",
                "birth_date": "1985-04-01",
                "occupation": "Engineer",
                "preferred_contact_time": "evening",
                "preferred_channel_id": self.env["ecrm.channel"].search([], limit=1).id,
            }
        )
        poor = Partner.create({"name": "x@gmial.com", "email": "x@gmial.com", "phone": "12"})
        report = self.env["ecrm.data.quality"]._compute_scores((complete | poor).ids)
        self.assertEqual(report, {"checked": 2, "changed": 2})
        self.assertEqual((complete.data_quality_score, complete.data_quality_band), (100, "4_excellent"))
        # typo e-mail 5, invalid phone 0, no address 0, name is an e-mail 0, no duplicate 10, no profile 0
        self.assertEqual((poor.data_quality_score, poor.data_quality_band), (15, "1_poor"))
        listed = (
            self.env["res.partner"]
            .with_user(self.user_ecrm)
            .search([("data_quality_band", "=", "1_poor"), ("id", "in", (complete | poor).ids)])
        )
        self.assertEqual(listed, poor)

    def test_whole_cleaning_run(self):
        partner = self.env["res.partner"].create({"name": "Rana Run", "email": "rana@yahooo.com"})
        report = self.env["ecrm.data.quality"]._run_cleaning()
        self.assertEqual(set(report), {"keys", "phones", "do_not_message", "duplicates", "scores"})
        self.assertGreater(report["scores"]["checked"], 0)
        score = partner.data_quality_score
        self.assertTrue(score)
        # the daily cron runs the same (and does not commit inside a test)
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET data_quality_score = NULL WHERE id = %s", [partner.id])
        self.env.invalidate_all()
        self.env.ref("ecrm_core.ir_cron_data_quality").method_direct_trigger()
        self.assertEqual(partner.data_quality_score, score)
