"""Automatic capture of touchpoints (C1): mail in and out, meetings, orders, leads."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.crm.tests.common import INCOMING_EMAIL
from odoo.addons.mail.tests.common import mail_new_test_user

from .common import EcrmCommon


@tagged("post_install", "-at_install", "ecrm_core")
class TestCapture(EcrmCommon):
    def test_chatter_mail_to_customer_on_partner(self):
        """A message sent from the partner's chatter to the partner is an outbound e-mail touchpoint."""
        with self.mock_mail_gateway():
            self.customer.with_user(self.user_ecrm).message_post(
                body="<p>Your catalogue is attached.</p>",
                subject="Catalogue",
                partner_ids=self.customer.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertSentEmail(self.user_ecrm.partner_id, [self.customer])
        touchpoint = self.touchpoints_of(self.customer, touchpoint_type="email_out")
        self.assertEqual(len(touchpoint), 1)
        self.assertEqual(touchpoint.summary, "Catalogue")
        self.assertEqual(touchpoint.direction, "outbound")
        self.assertEqual(touchpoint.user_id, self.user_ecrm)
        self.assertEqual(touchpoint.channel_id, self.env.ref("ecrm_core.ecrm_channel_email"))
        self.assertEqual((touchpoint.res_model, touchpoint.res_id), ("res.partner", self.customer.id))

    def test_mail_on_linked_document_and_internal_note(self):
        """Mail on a quotation reaches the customer: captured. Internal notes and staff recipients: not."""
        order = self.env["sale.order"].with_user(self.user_ecrm).create({"partner_id": self.customer.id})
        with self.mock_mail_gateway():
            order.with_user(self.user_ecrm).message_post(
                body="Here is your quotation",
                partner_ids=(self.customer | self.user_ecrm_manager.partner_id).ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            order.with_user(self.user_ecrm).message_post(
                body="Customer is price sensitive",
                partner_ids=self.customer.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        mails = self.touchpoints_of(self.customer, touchpoint_type="email_out")
        self.assertEqual(len(mails), 1)
        self.assertEqual((mails.res_model, mails.res_id), ("sale.order", order.id))
        self.assertEqual(mails.action_open_source()["res_id"], order.id)
        self.assertFalse(self.touchpoints_of(self.user_ecrm_manager.partner_id))
        # a colleague without access to sales cannot jump to the order: a clear message, not a crash
        outsider = mail_new_test_user(self.env, login="no_sales", groups="base.group_user,ecrm_core.group_ecrm_user")
        with self.assertRaises(UserError):
            mails.with_user(outsider).action_open_source()

    def test_incoming_mail_from_customer(self):
        """An e-mail from a known customer to a sales team alias is an inbound e-mail touchpoint."""
        team = self.env["crm.team"].create({"name": "Inbox Team", "alias_name": "inbox.team"})
        with self.mock_mail_gateway():
            lead = self.format_and_process(
                INCOMING_EMAIL,
                self.customer.email,
                team.alias_email,
                subject="Price of the oak table",
                target_model="crm.lead",
            )
        self.assertEqual(lead.partner_id, self.customer)
        incoming = self.touchpoints_of(self.customer, touchpoint_type="email_in")
        self.assertEqual(len(incoming), 1)
        self.assertEqual(incoming.direction, "inbound")
        self.assertEqual((incoming.res_model, incoming.res_id), ("crm.lead", lead.id))
        created = self.touchpoints_of(self.customer, res_model="crm.lead") - incoming
        self.assertEqual(created.summary, "Lead created: Price of the oak table")

    def test_meeting_with_customer(self):
        """A meeting is a touchpoint once it has been held, not when it is planned (C10, see test_appointments)."""
        start = fields.Datetime.now() + timedelta(days=2)
        event = (
            self.env["calendar.event"]
            .with_user(self.user_ecrm)
            .create(
                {
                    "name": "Showroom visit",
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "partner_ids": [(6, 0, (self.customer | self.user_ecrm.partner_id).ids)],
                }
            )
        )
        self.assertFalse(self.touchpoints_of(self.customer, touchpoint_type="meeting"))
        with freeze_time(start + timedelta(hours=2)):
            self.env["calendar.event"]._cron_ecrm_record_held_meetings()
        meeting = self.touchpoints_of(self.customer, touchpoint_type="meeting")
        self.assertEqual(len(meeting), 1)
        self.assertEqual(meeting.date, event.start)
        self.assertFalse(self.touchpoints_of(self.user_ecrm.partner_id, touchpoint_type="meeting"))
        # adding an attendee records theirs; the first one is not recorded twice
        event.write({"partner_ids": [(4, self.customer_2.id)]})
        self.assertEqual(len(self.touchpoints_of(self.customer, touchpoint_type="meeting")), 1)
        self.assertEqual(len(self.touchpoints_of(self.customer_2, touchpoint_type="meeting")), 1)

    def test_confirmed_sale_order(self):
        campaign = self.env["utm.campaign"].create({"name": "Nowruz sale"})
        product = self.env["product.product"].create({"name": "Oak table", "list_price": 300.0})
        with Form(self.env["sale.order"].with_user(self.user_ecrm)) as form:
            form.partner_id = self.customer
            form.campaign_id = campaign
            with form.order_line.new() as line:
                line.product_id = product
                line.product_uom_qty = 2
                line.price_unit = 300.0
        order = form.save()
        self.assertFalse(self.touchpoints_of(self.customer, touchpoint_type="purchase"), "quotations are not purchases")
        order.action_confirm()
        purchase = self.touchpoints_of(self.customer, touchpoint_type="purchase")
        self.assertEqual(len(purchase), 1)
        self.assertEqual(purchase.amount, 600.0)
        self.assertEqual(purchase.currency_id, order.currency_id)
        self.assertEqual(purchase.campaign_id, campaign)
        # cancelled and confirmed again: still one purchase
        # (as superuser: with sale_loyalty installed a salesperson may not cancel, a stock Odoo rule)
        order.sudo()._action_cancel()
        order.sudo().action_draft()
        order.sudo().action_confirm()
        self.assertEqual(len(self.touchpoints_of(self.customer, touchpoint_type="purchase")), 1)

    def test_lead_created_and_won(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_ecrm)
            .create(
                {
                    "name": "Office chairs",
                    "partner_id": self.company_contact.id,
                    "type": "opportunity",
                    "expected_revenue": 5000,
                }
            )
        )
        created = self.touchpoints_of(self.company_contact, res_model="crm.lead")
        self.assertEqual(len(created), 1)
        self.assertIn("Lead created", created.summary)
        self.assertEqual(created.commercial_partner_id, self.company_partner)
        lead.action_set_won()
        won = self.touchpoints_of(self.company_contact, res_model="crm.lead") - created
        self.assertEqual(len(won), 1)
        self.assertIn("Opportunity won", won.summary)
        self.assertEqual(won.amount, 5000)
        # dragging a lead to the won stage counts too
        lead_2 = self.env["crm.lead"].create({"name": "Desks", "partner_id": self.customer.id, "type": "opportunity"})
        lead_2.stage_id = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        self.assertEqual(len(self.touchpoints_of(self.customer, res_model="crm.lead")), 2)

    def test_lead_without_partner_records_nothing(self):
        self.env["crm.lead"].create({"name": "Anonymous enquiry", "email_from": "nobody@example.com"})
        self.assertFalse(self.Touchpoint.sudo().search([("summary", "ilike", "Anonymous enquiry")]))


@tagged("post_install", "-at_install", "ecrm_core")
class TestBackfill(EcrmCommon):
    def test_existing_orders_become_touchpoints_once(self):
        """Installed into a database with history (C1): confirmed orders appear in the ledger, once."""
        product = self.env["product.product"].create({"name": "Lamp", "list_price": 40.0})
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer_2.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1, "price_unit": 40.0})],
            }
        )
        order.action_confirm()
        self.touchpoints_of(self.customer_2).unlink()  # as if ecrm_core was not installed at confirmation
        self.assertEqual(self.Touchpoint._backfill_sale_orders(), 1)
        purchase = self.touchpoints_of(self.customer_2)
        self.assertEqual((purchase.touchpoint_type, purchase.amount, purchase.res_id), ("purchase", 40.0, order.id))
        self.assertEqual(self.Touchpoint._backfill_sale_orders(), 0)
