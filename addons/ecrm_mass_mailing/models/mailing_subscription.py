from odoo import api, models


class MailingSubscription(models.Model):
    """A change of subscription updates "does not want messages" of the contacts with that address."""

    _inherit = "mailing.subscription"

    @api.model_create_multi
    def create(self, vals_list):
        subscriptions = super().create(vals_list)
        subscriptions._ecrm_refresh_partners()
        return subscriptions

    def write(self, vals):
        result = super().write(vals)
        if "opt_out" in vals or "contact_id" in vals:
            self._ecrm_refresh_partners()
        return result

    def _ecrm_refresh_partners(self):
        emails = [email for email in self.contact_id.mapped("email_normalized") if email]
        if not emails:
            return
        partners = (
            self.env["res.partner"].sudo().with_context(active_test=False).search([("email_normalized", "in", emails)])
        )
        if partners:
            partners._ecrm_refresh_do_not_message(partners.ids)
