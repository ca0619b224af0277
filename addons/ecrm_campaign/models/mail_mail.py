import re

from odoo import _, models

# A tracked URL after mass_mailing added the trace id: <base>/r/<code>/m/<trace id>
TRACKED_URL = re.compile(r"""(/r/([^/"'?#\s<>]+)/m/(\d+))(?=["'\s<>])""")


class MailMail(models.Model):
    _inherit = "mail.mail"

    # --- campaigns (K1) ---
    def _prepare_outgoing_body(self):
        """Sign each tracked URL for its mail trace, so a click can be told from a forged one."""
        body = super()._prepare_outgoing_body()
        if not body or not self.mailing_id or not self.mailing_trace_ids:
            return body
        Click = self.env["link.tracker.click"]
        Wrapper = body.__class__

        def sign(match):
            signature = Click._ecrm_click_signature(match.group(2), match.group(3))
            return "%s?ecrm_sig=%s" % (match.group(1), signature)

        return Wrapper(TRACKED_URL.sub(sign, str(body)))

    # --- consent (K2) ---
    def _send(self, *args, **kwargs):
        """Check consent again as each mail leaves: a consent withdrawn after queueing stops the mail."""
        refused = self._ecrm_consent_cancel_refused()
        return super(MailMail, self - refused)._send(*args, **kwargs)

    def _ecrm_consent_cancel_refused(self):
        """Cancel the outgoing mailing mails whose recipient may no longer be mailed; return them.

        One query per mailing in the batch; the traces are cancelled with the reason
        (failure type ``ecrm_<reason>``) that the mailing's refusal counts read.
        """
        mails = self.filtered(lambda m: m.state == "outgoing" and m.res_id and m.mailing_id.ecrm_consent_purpose_id)
        refused = self.browse()
        if not mails:
            return refused
        labels = dict(self.env["ecrm.consent"]._refusal_reason_selection())
        for mailing, mailing_mails in mails.grouped("mailing_id").items():
            if mailing.mailing_model_real != mailing_mails[0].model:
                continue
            reasons = mailing.sudo()._ecrm_consent_reasons(list(set(mailing_mails.mapped("res_id"))))
            for reason, reason_mails in mailing_mails.grouped(lambda m, reasons=reasons: reasons.get(m.res_id)).items():
                if not reason:
                    continue
                reason_mails.sudo().write(
                    {"state": "cancel", "failure_reason": _("Not sent: %s", labels.get(reason, reason))}
                )
                reason_mails.sudo().mailing_trace_ids.write(
                    {"trace_status": "cancel", "failure_type": "ecrm_%s" % reason}
                )
                refused |= reason_mails
        return refused

    # --- end of consent ---
