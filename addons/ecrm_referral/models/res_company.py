from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    referral_footer_chatter = fields.Boolean(
        string="Referral Link in Chatter Mails",
        default=True,
        help="Messages and notes sent to customers from the chatter of business documents. "
        "Never in system mails (password reset, invitations, digests).",
    )
    referral_footer_documents = fields.Boolean(string="Referral Link in Quotations and Invoices", default=True)
    referral_footer_mass_mailing = fields.Boolean(string="Referral Link in Mass Mailings", default=True)
    referral_footer_text = fields.Char(
        string="Referral Footer Text",
        translate=True,
        default="Know someone who would like us? Share your link:",
        help="Line shown above the link at the bottom of outgoing e-mails (V2).",
    )
