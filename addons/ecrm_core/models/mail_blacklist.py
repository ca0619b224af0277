from odoo import api, models


class MailBlacklist(models.Model):
    """Blacklisting or un-blacklisting an address updates "does not want messages" of its contacts (C6)."""

    _inherit = "mail.blacklist"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._ecrm_refresh_partners()
        return records

    def write(self, vals):
        emails = self.mapped("email") if "email" in vals else []
        result = super().write(vals)
        if "email" in vals or "active" in vals:
            self._ecrm_refresh_partners(emails)
        return result

    def unlink(self):
        emails = self.mapped("email")
        result = super().unlink()
        self.browse()._ecrm_refresh_partners(emails)
        return result

    def _ecrm_refresh_partners(self, extra_emails=()):
        emails = list({email for email in self.mapped("email") + list(extra_emails) if email})
        if not emails:
            return
        partners = (
            self.env["res.partner"].sudo().with_context(active_test=False).search([("email_normalized", "in", emails)])
        )
        if partners:
            self.env["res.partner"]._ecrm_refresh_do_not_message(partners.ids)
