from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .ecrm_consent_purpose import CONSENT_CHANNELS

CONSENT_STATES = [
    ("pending", "Pending Confirmation"),
    ("granted", "Granted"),
    ("withdrawn", "Withdrawn"),
]
# How a consent changed: the "how" of every event (K2)
CONSENT_METHODS = [
    ("web_form", "Web form"),
    ("api", "API"),
    ("import", "Import"),
    ("staff", "Recorded by staff"),
    ("confirmation_link", "Confirmation link"),
    ("unsubscribe_link", "Unsubscribe link"),
    ("one_click", "One-click unsubscribe header"),
    ("preference_centre", "Preference centre"),
    ("blacklist", "Blacklisted address"),
    ("mailing_opt_out", "Opted out of a mailing list"),
    ("erasure", "Erasure request"),
]
LEGAL_BASES = [
    ("consent", "Consent (Iran e-commerce law art. 55, GDPR art. 6(1)(a))"),
    ("contract", "Existing customer relationship"),
    ("withdrawal", "Withdrawal by the contact"),
]


class EcrmConsentEvent(models.Model):
    """One change of a consent, as it happened. Never edited, never deleted (K2, C16).

    Written only by ``ecrm.consent._grant`` / ``_withdraw`` / ``_confirm``. An erasure
    request blanks the personal details (address, IP, user agent) in SQL, keeping the
    fact, the date, the text and the resulting suppression.
    """

    _name = "ecrm.consent.event"
    _description = "Consent Event"
    _order = "date desc, id desc"
    _rec_name = "consent_id"

    consent_id = fields.Many2one("ecrm.consent", required=True, readonly=True, index=True, ondelete="restrict")
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True, index=True, ondelete="restrict")
    mailing_contact_id = fields.Many2one(
        "mailing.contact", string="Mailing List Contact", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    channel = fields.Selection(CONSENT_CHANNELS, required=True, readonly=True)
    # cascade only matters when the addon is uninstalled: the purpose refuses deletion while it has consents
    purpose_id = fields.Many2one("ecrm.consent.purpose", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    state = fields.Selection(CONSENT_STATES, string="New State", required=True, readonly=True)
    previous_state = fields.Selection(CONSENT_STATES, readonly=True)
    method = fields.Selection(CONSENT_METHODS, string="How", required=True, readonly=True)
    legal_basis = fields.Selection(LEGAL_BASES, readonly=True)
    date = fields.Datetime(string="When", required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one(
        "res.users", string="Recorded By", readonly=True, help="The user session the change came through."
    )
    email = fields.Char(string="Address", readonly=True, help="The address the consent was about, at that moment.")
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    consent_text = fields.Html(readonly=True, sanitize=True, help="The exact wording shown to the contact.")
    consent_text_version = fields.Char(string="Text Version", readonly=True)
    source = fields.Char(readonly=True, help="Where it came from: a file and row, a mailing, a web page.")
    mailing_id = fields.Many2one("mailing.mailing", readonly=True, index="btree_not_null", ondelete="set null")
    anonymised = fields.Boolean(readonly=True, help="The personal details were erased at the contact's request.")

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(
                _("Consent events are recorded by the consent ledger itself; they cannot be created by hand.")
            )
        return super().create(vals_list)

    def write(self, vals):
        raise UserError(_("Consent events are proof of what the contact agreed to: they can never be changed."))

    def unlink(self):
        raise UserError(_("Consent events are proof of what the contact agreed to: they can never be deleted."))

    def _anonymise(self):
        """Blank the personal details of these events (erasure request, C16); the facts stay."""
        if not self:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            UPDATE ecrm_consent_event
               SET email = NULL, ip_address = NULL, user_agent = NULL, source = NULL, anonymised = true
             WHERE id = ANY(%s)
            """,
                self.ids,
            )
        )
        self.invalidate_recordset(["email", "ip_address", "user_agent", "source", "anonymised"])
