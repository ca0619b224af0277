"""Privacy (C16): forget a person without a trace but the suppression; export everything held on them."""

import base64
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from .common import EcrmCommon

NAME = "Shahrzad Forgetmenot"
EMAIL = "shahrzad.forgetmenot@gmail.com"
PHONE = "+98 912 555 0199"


@tagged("post_install", "-at_install", "ecrm_core")
class TestPrivacy(EcrmCommon):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person = cls.env["res.partner"].create(
            {
                "name": NAME,
                "email": EMAIL,
                "phone": PHONE,
                "mobile": "0935 555 0199",
                "street": "7 Forgetmenot Lane",
                "city": "Shiraz",
                "zip": "71999",
                "country_id": cls.env.ref("base.ir").id,
                "birth_date": "1990-02-03",
                "gender": "female",
                "occupation": "Forgetmenot florist",
                "comment": "<p>Met Shahrzad Forgetmenot at the fair</p>",
            }
        )
        cls.address = cls.env["res.partner"].create(
            {
                "name": "Shahrzad Forgetmenot (home)",
                "type": "delivery",
                "parent_id": cls.person.id,
                "street": "9 Rose St",
            }
        )
        cls.touchpoints = cls.env["ecrm.touchpoint"].create(
            [
                {"partner_id": cls.person.id, "touchpoint_type": "call", "summary": "Shahrzad Forgetmenot called"},
                {
                    "partner_id": cls.person.id,
                    "touchpoint_type": "web_visit",
                    "summary": "Visit",
                    "payload": {"email": EMAIL},
                },
            ]
        )
        product = cls.env["product.product"].create({"name": "Bouquet", "list_price": 30})
        cls.order = cls.env["sale.order"].create(
            {"partner_id": cls.person.id, "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]}
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Shahrzad Forgetmenot wants flowers",
                "partner_id": cls.person.id,
                "email_from": EMAIL,
                "phone": PHONE,
                "contact_name": NAME,
            }
        )
        cls.person.message_post(body="Shahrzad Forgetmenot prefers mornings", message_type="comment")
        cls.lead.message_post(
            body="Hello, this is Shahrzad Forgetmenot, call me on +98 912 555 0199",
            author_id=cls.person.id,
            email_from='"%s" <%s>' % (NAME, EMAIL),
            message_type="email",
        )
        cls.person.write({"email": "shahrzad.forgetmenot+old@gmail.com"})  # a tracked change
        cls.person.write({"email": EMAIL})

    def test_export_contains_everything(self):
        action = self.person.with_user(self.user_ecrm_manager).action_ecrm_export_personal_data()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        data = json.loads(base64.b64decode(attachment.datas))
        self.assertEqual(data["profile"]["name"], NAME)
        self.assertEqual(data["profile"]["email"], EMAIL)
        self.assertEqual(data["profile"]["birth_date"], "1990-02-03")
        summaries = [tp["summary"] for tp in data["touchpoints"]]
        self.assertIn("Shahrzad Forgetmenot called", summaries)
        self.assertIn("Visit", summaries)
        self.assertEqual(len(summaries), len(self.touchpoints_of(self.person)))
        self.assertEqual([order["name"] for order in data["orders"]], [self.order.name])
        self.assertEqual(data["orders"][0]["amount_total"], self.order.amount_total)
        self.assertEqual([lead["name"] for lead in data["leads"]], [self.lead.name])
        self.assertTrue(any("prefers mornings" in (message["body"] or "") for message in data["messages"]))
        self.assertTrue(any("call me on" in (message["body"] or "") for message in data["messages"]))
        # the file is the manager's only: not attached to the contact, nobody else reads it
        self.assertFalse(attachment.res_model)
        with self.assertRaises(AccessError):
            attachment.with_user(self.user_ecrm).read(["datas"])

    def test_only_managers_export_and_forget(self):
        with self.assertRaises(AccessError):
            self.person.with_user(self.user_ecrm).action_ecrm_export_personal_data()
        with self.assertRaises(AccessError):
            self.person.with_user(self.user_ecrm).action_ecrm_forget()
        with self.assertRaises(AccessError):
            self.person.with_user(self.user_ecrm)._ecrm_forget()
        with self.assertRaises(AccessError):
            self.env["ecrm.forget.wizard"].with_user(self.user_ecrm).create({"partner_id": self.person.id})
        self.assertTrue(self.person.active)

    def test_users_and_companies_cannot_be_forgotten(self):
        with self.assertRaisesRegex(UserError, "user of this database"):
            self.user_ecrm.partner_id.with_user(self.user_ecrm_manager).action_ecrm_forget()
        with self.assertRaisesRegex(UserError, "company, not a person"):
            self.company_partner.with_user(self.user_ecrm_manager)._ecrm_forget()

    def test_wizard_needs_confirmation(self):
        action = self.person.with_user(self.user_ecrm_manager).action_ecrm_forget()
        wizard = Form(self.env[action["res_model"]].with_user(self.user_ecrm_manager).with_context(action["context"]))
        self.assertEqual(wizard.touchpoint_count, len(self.touchpoints_of(self.person)))
        self.assertGreaterEqual(wizard.touchpoint_count, 2)
        self.assertEqual(wizard.order_count, 1)
        wizard = wizard.save()
        with self.assertRaises(UserError):
            wizard.action_forget()
        wizard.confirm = True
        wizard.action_forget()
        self.assertFalse(self.person.active)
        self.assertEqual(self.person.name, "Anonymised contact #%s" % self.person.id)

    def _tables_mentioning(self, needle):
        """``{table: first row}`` of every table with a text (or JSON) column containing ``needle``."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            SELECT c.table_name, array_agg(c.column_name::text)
              FROM information_schema.columns c
              JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('character varying', 'text', 'jsonb')
             GROUP BY c.table_name
            """
        )
        found = {}
        for table, columns in cr.fetchall():
            condition = SQL(" OR ").join(
                SQL("%s::text ILIKE %s", SQL.identifier(column), "%%%s%%" % needle) for column in columns
            )
            cr.execute(SQL("SELECT * FROM %s WHERE %s LIMIT 1", SQL.identifier(table), condition))
            row = cr.fetchone()
            if row:
                found[table] = row
        return found

    def test_forget_leaves_no_personal_data_but_keeps_the_suppression(self):
        self.person.with_user(self.user_ecrm_manager).action_ecrm_export_personal_data()
        self.assertIn("res_partner", self._tables_mentioning("forgetmenot"))

        self.person.with_user(self.user_ecrm_manager)._ecrm_forget()

        for needle in ("forgetmenot", "555 0199", "5550199"):
            with self.subTest(needle=needle):
                found = self._tables_mentioning(needle)
                # the blacklist keeps the address itself, on purpose: Odoo's mass mailing reads it
                found.pop("mail_blacklist", None)
                self.assertEqual(found, {}, "personal data left")
        self.assertTrue(self.env["mail.blacklist"].search([("email", "=", EMAIL)]))
        self.assertFalse(self.touchpoints.exists())
        self.assertTrue(self.order.exists(), "orders are kept, on the anonymised contact")
        self.assertEqual(self.order.partner_id, self.person)
        self.assertFalse(self.person.active)
        self.assertFalse(self.address.active)
        self.assertTrue(self.person.forgotten_date)
        self.assertTrue(self.person.do_not_message)
        self.assertEqual(self.person.do_not_message_reason, "erased")
        self.assertTrue(self.lead.exists())
        self.assertFalse(self.lead.email_from)
        suppression = self.env["ecrm.suppression"].search([])
        self.assertEqual(set(suppression.mapped("kind")), {"email", "phone"})
        self.assertEqual(len(suppression), 3, "the mailbox and both numbers")

        # the person comes back: created by hand with another spelling of the mailbox...
        again = self.env["res.partner"].create({"name": "S. F.", "email": "Shahrzad.Forgetmenot+new@googlemail.com"})
        self.assertTrue(again.do_not_message)
        self.assertEqual(again.do_not_message_reason, "suppressed")
        # ... or through the ingestion API with only the phone
        result = self.env["ecrm.touchpoint"]._ingest_events(
            [{"external_id": "back-1", "type": "call", "date": "2026-03-01T10:00:00Z", "phone": "09125550199"}]
        )
        self.assertEqual(result["partners_created"], 1)
        caller = self.env["res.partner"].search([("phone_e164", "=", "+989125550199")])
        self.assertTrue(caller.do_not_message)
        self.assertEqual(caller.do_not_message_reason, "suppressed")
        # someone else is not affected
        other = self.env["res.partner"].create({"name": "Other", "email": "shahrzad.other@gmail.com"})
        self.assertFalse(other.do_not_message)
