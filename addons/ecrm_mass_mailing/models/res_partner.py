from odoo import fields, models
from odoo.tools import SQL


class ResPartner(models.Model):
    """Opted-out contacts do not want messages (C6, K2); a forgotten person's mailing data go too (C16)."""

    _inherit = "res.partner"

    do_not_message_reason = fields.Selection(selection_add=[("opted_out", "Opted out of every mailing list")])

    def _ecrm_do_not_message_sql(self, partner_ids=None):
        """Add the contacts whose address left every mailing list it was on.

        Leaving one list of several is not refusing all messages; the address must be
        opted out of all of its lists (mailing.subscription.opt_out; the subscriptions made
        through the contact's lists have no value there, meaning subscribed).
        """
        only = SQL("") if partner_ids is None else SQL("AND p.id = ANY(%s)", list(partner_ids))
        return super()._ecrm_do_not_message_sql(partner_ids) + [
            SQL(
                """
            SELECT p.id, 'opted_out', 30
              FROM res_partner p
              JOIN (SELECT c.email_normalized
                      FROM mailing_contact c
                      JOIN mailing_subscription s ON s.contact_id = c.id
                     WHERE c.email_normalized IS NOT NULL
                     GROUP BY c.email_normalized
                    HAVING bool_and(COALESCE(s.opt_out, false))
                   ) opted_out ON opted_out.email_normalized = p.email_normalized
             WHERE true %s
            """,
                only,
            )
        ]

    def _ecrm_erase_tracking_data(self):
        """Mailing contacts with the person's address are deleted; their mailing traces lose it."""
        result = super()._ecrm_erase_tracking_data()
        emails = [email for email in self.mapped("email_normalized") if email]
        if emails:
            self.env["mailing.contact"].sudo().with_context(active_test=False).search(
                [("email_normalized", "in", emails)]
            ).unlink()
        self.env.cr.execute(
            SQL(
                """
            UPDATE mailing_trace SET email = NULL
             WHERE (model = 'res.partner' AND res_id = ANY(%s)) OR email = ANY(%s)
            """,
                self.ids,
                emails,
            )
        )
        self.env["mailing.trace"].invalidate_model(["email"])
        return result

    def _ecrm_personal_data_export(self):
        sections = super()._ecrm_personal_data_export()
        if self.email_normalized:
            subscriptions = self.env["mailing.subscription"].search(
                [("contact_id.email_normalized", "=", self.email_normalized)]
            )
            sections["mailing_lists"] = [
                {
                    "list": subscription.list_id.name,
                    "opted_out": subscription.opt_out,
                    "opted_out_on": subscription.opt_out_datetime,
                }
                for subscription in subscriptions
            ]
        return sections
