from urllib.parse import urlencode

from markupsafe import Markup

from odoo import models, tools

DOCUMENT_MODELS = ("sale.order", "account.move")
# Never a footer: the invitation is itself a referral link; the others are system and account mails
# (password reset, sign-up and portal invitations, the KPI digest, discussion channels, user settings).
NO_FOOTER_MODELS = (
    "ecrm.referral.invitation",
    "res.users",
    "res.users.settings",
    "portal.wizard",
    "portal.wizard.user",
    "digest.digest",
    "discuss.channel",
    "mail.guest",
)
# Mails of the conversation about a business document: messages, system notes to followers, automated
# replies and mails sent from a document's templates. "user_notification" (password mails, activity
# assignments to employees) never gets one.
CHATTER_TYPES = ("comment", "notification", "auto_comment")
DOCUMENT_TYPES = (*CHATTER_TYPES, "email_outgoing")
RTL_LANGS = ("fa", "ar", "he", "ur", "ps", "ckb")
UTM = {"utm_source": "referral", "utm_medium": "email"}


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _referral_footer_kind(self):
        """Which footer switch governs this mail: 'mass_mailing', 'documents', 'chatter' or None (V2).

        Only the kinds the company can switch: mass mailings, quotations and invoices, and the
        chatter of business documents. System and account mails (password reset, sign-up and
        portal invitations, digests, discussion channels) and mails about no document get none.
        """
        self.ensure_one()
        if "mailing_id" in self._fields and self.mailing_id:
            return "mass_mailing"
        if not self.model or not self.res_id or self.model in NO_FOOTER_MODELS:
            return None  # no business document: system mails, notifications of nothing in particular
        message_type = self.mail_message_id.message_type
        if self.model in DOCUMENT_MODELS and message_type in DOCUMENT_TYPES:
            return "documents"
        if message_type in CHATTER_TYPES:
            return "chatter"
        return None

    def _referral_footer_company(self):
        self.ensure_one()
        return self.mail_message_id.record_company_id or self.author_id.company_id or self.env.company

    def _referral_footer_member(self, recipient):
        """Whose link the footer shows: the recipient's in mass mailings (they spread it), otherwise the sender's."""
        self.ensure_one()
        if recipient and recipient.referral_code and self._referral_footer_kind() == "mass_mailing":
            return recipient
        author = self.author_id
        if author.referral_code and author.referral_program_id:
            return author
        if recipient and recipient.referral_code:
            return recipient
        return self.env["res.partner"]

    def _referral_footer(self, recipient):
        """The footer as (html, text), or None when this kind of mail has it switched off (V2)."""
        self.ensure_one()
        kind = self._referral_footer_kind()
        company = self._referral_footer_company().sudo()
        if not kind or not company["referral_footer_%s" % kind]:
            return None
        member = self._referral_footer_member(recipient).sudo()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        url = member.referral_url or base
        params = dict(UTM, utm_campaign=member.referral_program_id.name or company.name or "referral")
        link = "%s%s%s" % (url, "&" if "?" in url else "?", urlencode(params))
        lang = (recipient.lang if recipient else None) or self.author_id.lang or self.env.lang or "en_US"
        text = company.with_context(lang=lang).referral_footer_text or ""
        direction = "rtl" if lang.split("_")[0] in RTL_LANGS else "ltr"
        align = "right" if direction == "rtl" else "left"
        html = Markup(
            '<div class="o_ecrm_referral_footer" dir="%s" style="margin:16px 0 0 0;padding:8px 0 0 0;'
            "border-top:1px solid #dee2e6;font-size:12px;line-height:1.5;color:#6c757d;text-align:%s;"
            'font-family:Tahoma,Arial,sans-serif;">%s '
            '<a href="%s" style="color:#875a7b;word-break:break-all;">%s</a></div>'
        ) % (direction, align, text, link, member.referral_code or url)
        return html, "\n\n-- \n%s %s" % (text, link)

    def _prepare_outgoing_list(self, mail_server=False, recipients_follower_status=None):
        email_list = super()._prepare_outgoing_list(
            mail_server=mail_server, recipients_follower_status=recipients_follower_status
        )
        Partner = self.env["res.partner"]
        for email_values in email_list:
            recipient = email_values.get("partner_id") or Partner
            if not isinstance(recipient, models.BaseModel):
                recipient = Partner.browse(recipient)
            recipient = recipient.sudo()
            if not recipient and self.recipient_ids:
                recipient = self.recipient_ids[:1].sudo()
            footer = self._referral_footer(recipient)
            if not footer or not email_values.get("body"):
                continue
            html, text = footer
            email_values["body"] = tools.mail.append_content_to_html(email_values["body"], html, plaintext=False)
            if email_values.get("body_alternative"):
                email_values["body_alternative"] = email_values["body_alternative"] + text
        return email_list
