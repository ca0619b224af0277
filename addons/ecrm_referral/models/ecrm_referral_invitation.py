import secrets

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize, formataddr


class EcrmReferralInvitation(models.Model):
    """A member's invitation to a friend (V1). The friend is only an address here: no contact is
    created and nobody markets to them, until they sign up themselves."""

    _name = "ecrm.referral.invitation"
    _description = "Referral Invitation"
    _order = "create_date desc, id desc"
    _rec_name = "email"

    referrer_id = fields.Many2one("res.partner", string="Member", required=True, ondelete="cascade", index=True)
    program_id = fields.Many2one("ecrm.referral.program", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="program_id.company_id", store=True, index=True)
    email = fields.Char(string="Friend's E-mail", required=True)
    name = fields.Char(string="Friend's Name")
    knows_invitee = fields.Boolean(
        string="I know this person",
        help="The member confirms they know the friend personally. Nothing is sent without it.",
    )
    state = fields.Selection(
        [("draft", "To confirm"), ("sent", "Sent"), ("joined", "Joined"), ("cancelled", "Cancelled")],
        required=True,
        default="draft",
        index=True,
    )
    token = fields.Char(default=lambda self: secrets.token_urlsafe(12), readonly=True, copy=False, index=True)
    sent_date = fields.Datetime(readonly=True)
    referral_id = fields.Many2one("ecrm.referral", readonly=True, ondelete="set null")
    invite_url = fields.Char(compute="_compute_invite_url")
    email_from = fields.Char(compute="_compute_email_from")

    _sql_constraints = [
        ("email_uniq", "unique(referrer_id, email)", "This member already invited this address."),
        ("token_uniq", "unique(token)", "Invitation tokens are unique."),
    ]

    @api.depends("referrer_id.referral_url", "token")
    def _compute_invite_url(self):
        for invitation in self:
            base = invitation.referrer_id.referral_url
            invitation.invite_url = "%s?inv=%s" % (base, invitation.token) if base else False

    def _compute_email_from(self):
        for invitation in self:
            company = invitation.company_id or self.env.company
            address = company.email or self.env.user.email or "noreply@localhost"
            # The member's name, the company's address: friends see who invites them, and mail still delivers.
            invitation.email_from = formataddr((invitation.referrer_id.name or "", address))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            normalized = email_normalize(vals.get("email") or "")
            if not normalized:
                raise ValidationError(_("%s is not an e-mail address: check the friend's address.", vals.get("email")))
            vals["email"] = normalized
            if not vals.get("program_id") and vals.get("referrer_id"):
                member = self.env["res.partner"].browse(vals["referrer_id"])
                vals["program_id"] = member.referral_program_id.id
        return super().create(vals_list)

    def action_send(self):
        """Send the invitations the member confirmed, from the member's name."""
        unconfirmed = self.filtered(lambda i: not i.knows_invitee)
        if unconfirmed:
            raise UserError(
                _(
                    "Confirm that the member knows %s before sending: invitations only go to people the member knows.",
                    ", ".join(unconfirmed.mapped("email")),
                )
            )
        self.filtered(lambda i: i.state == "draft")._cancel_unwanted()
        template = self.env.ref("ecrm_referral.mail_template_referral_invitation")
        for invitation in self.filtered(lambda i: i.state == "draft"):
            template.sudo().send_mail(invitation.id, force_send=True, email_layout_xmlid="mail.mail_notification_light")
        self.filtered(lambda i: i.state == "draft").write({"state": "sent", "sent_date": fields.Datetime.now()})

    def _cancel_unwanted(self):
        """Cancel invitations to people who asked for no mail: blacklisted addresses and contacts who do not
        want messages (ecrm_core's do_not_message). Their friend's invitation is not sent."""
        emails = self.mapped("email")
        blocked = set(self.env["mail.blacklist"].sudo().search([("email", "in", emails)]).mapped("email"))
        blocked |= set(
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "in", emails), ("do_not_message", "=", True)])
            .mapped("email_normalized")
        )
        unwanted = self.filtered(lambda i: i.email in blocked)
        unwanted.write({"state": "cancelled"})
        return unwanted

    def action_cancel(self):
        self.filtered(lambda i: i.state in ("draft", "sent")).write({"state": "cancelled"})
