from odoo import models
from odoo.tools import html2plaintext

OUTGOING_TYPES = ("comment", "email_outgoing", "auto_comment")
SUMMARY_SIZE = 500


class MailThread(models.AbstractModel):
    """Capture e-mails sent to and received from customers as touchpoints (C1).

    Every chatter message goes through ``_notify_thread``: on the partner itself
    and on any document linked to it (quotation, lead, invoice...).
    """

    _inherit = "mail.thread"

    def _notify_thread(self, message, msg_vals=False, **kwargs):
        recipients_data = super()._notify_thread(message, msg_vals=msg_vals, **kwargs)
        if not self.env.context.get("ecrm_skip_capture"):
            self.env["ecrm.touchpoint"]._record(self._ecrm_mail_touchpoints(message, recipients_data or []))
        return recipients_data

    def _ecrm_mail_touchpoints(self, message, recipients_data):
        message = message.sudo()
        if message.subtype_id.internal or message.message_type not in OUTGOING_TYPES + ("email",):
            return []
        summary = message.subject or html2plaintext(message.body or "")[:SUMMARY_SIZE] or message.record_name
        common = {
            "date": message.date,
            "summary": summary,
            "res_model": message.model,
            "res_id": message.res_id,
            "source_system": "odoo",
        }
        if message.message_type == "email":
            author = message.author_id
            if not author or author.partner_share is False:
                return []
            return [
                dict(
                    common,
                    partner_id=author.id,
                    touchpoint_type="email_in",
                    direction="inbound",
                    external_id="mail.message:%s" % message.id,
                )
            ]
        customers = [r["id"] for r in recipients_data if r.get("notif") == "email" and r.get("share")]
        return [
            dict(
                common,
                partner_id=partner_id,
                touchpoint_type="email_out",
                direction="outbound",
                user_id=message.author_id.user_ids[:1].id or False,
                external_id="mail.message:%s:%s" % (message.id, partner_id),
            )
            for partner_id in customers
        ]
