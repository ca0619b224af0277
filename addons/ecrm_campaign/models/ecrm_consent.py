import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools import email_normalize as tools_email_normalize

from ..tools import tokens
from .ecrm_consent_event import CONSENT_METHODS, CONSENT_STATES, LEGAL_BASES
from .ecrm_consent_purpose import CONSENT_CHANNELS

_logger = logging.getLogger(__name__)

# First token value of a link about a mailing list contact (partner links carry the bare partner id)
MAILING_CONTACT_TOKEN = "list"

# Why a contact may not be messaged, in the order they are checked (refusal reasons of _filter_allowed)
REFUSAL_REASONS = (
    "blacklisted",
    "opted_out",
    "do_not_message",
    "no_consent",
    "pending",
    "withdrawn",
    "frequency_cap",
)


class EcrmConsent(models.Model):
    """What one contact agreed to for one channel and one purpose (K2).

    The state only changes through :meth:`_grant`, :meth:`_confirm` and :meth:`_withdraw`,
    each of which writes an immutable ``ecrm.consent.event``: the consent is the summary,
    the events are the proof.
    """

    _name = "ecrm.consent"
    _description = "Consent"
    _inherit = ["mail.thread"]
    _order = "last_change_date desc, id desc"
    _rec_names_search = ["partner_id", "mailing_contact_id", "email"]

    # Fields only the consent ledger itself may change
    _protected_fields = frozenset(
        {
            "partner_id",
            "mailing_contact_id",
            "channel",
            "purpose_id",
            "state",
            "company_id",
            "last_change_date",
            "granted_date",
            "withdrawn_date",
            "method",
            "legal_basis",
            "confirmation_sent_date",
            "welcome_sent_date",
        }
    )

    # The contact is either a partner or a mailing list contact, never both (SQL check below)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True, index=True, ondelete="restrict")
    mailing_contact_id = fields.Many2one(
        "mailing.contact",
        string="Mailing List Contact",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Set instead of the contact when the consent belongs to a mailing list contact.",
    )
    email = fields.Char(string="E-mail", compute="_compute_email", search="_search_email")
    channel = fields.Selection(CONSENT_CHANNELS, required=True, readonly=True)
    # cascade only matters when the addon is uninstalled: the purpose refuses deletion while it has consents
    purpose_id = fields.Many2one("ecrm.consent.purpose", required=True, readonly=True, ondelete="cascade")
    state = fields.Selection(CONSENT_STATES, required=True, readonly=True, default="pending", index=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    last_change_date = fields.Datetime(readonly=True)
    granted_date = fields.Datetime(string="Granted On", readonly=True)
    withdrawn_date = fields.Datetime(string="Withdrawn On", readonly=True)
    method = fields.Selection(CONSENT_METHODS, string="Last Change By", readonly=True)
    legal_basis = fields.Selection(LEGAL_BASES, readonly=True)
    confirmation_sent_date = fields.Datetime(
        string="Confirmation Asked On", readonly=True, help="When the double opt-in mail was sent."
    )
    welcome_sent_date = fields.Datetime(
        string="Welcome Mail Sent On", readonly=True, help="The welcome mail (K5) is sent once, on the first grant."
    )
    event_ids = fields.One2many("ecrm.consent.event", "consent_id", string="History", readonly=True)
    event_count = fields.Integer(compute="_compute_event_count", string="Events")

    _sql_constraints = [
        (
            "partner_channel_purpose_unique",
            "unique(partner_id, channel, purpose_id)",
            "A contact has one consent per channel and purpose.",
        ),
        (
            "mailing_contact_channel_purpose_unique",
            "unique(mailing_contact_id, channel, purpose_id)",
            "A mailing list contact has one consent per channel and purpose.",
        ),
        (
            "one_contact",
            "CHECK((partner_id IS NULL) <> (mailing_contact_id IS NULL))",
            "A consent belongs to exactly one contact or one mailing list contact.",
        ),
    ]

    def _compute_email(self):
        for consent in self:
            consent.email = consent.partner_id.email or consent.mailing_contact_id.email

    def _search_email(self, operator, value):
        return ["|", ("partner_id.email", operator, value), ("mailing_contact_id.email", operator, value)]

    def _contact(self):
        """The partner or mailing list contact this consent belongs to."""
        self.ensure_one()
        return self.partner_id or self.mailing_contact_id

    def _compute_display_name(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for consent in self:
            consent.display_name = "%s - %s (%s)" % (
                (consent.partner_id or consent.mailing_contact_id).display_name or "",
                consent.purpose_id.name or "",
                channels.get(consent.channel, ""),
            )

    def _compute_event_count(self):
        counts = dict(
            self.env["ecrm.consent.event"]._read_group([("consent_id", "in", self.ids)], ["consent_id"], ["__count"])
        )
        for consent in self:
            consent.event_count = counts.get(consent, 0)

    # ------------------------------------------------------------------
    # CRUD: the ledger is the only writer
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(
                _("Consents are recorded through the consent ledger (import, web form, staff action), not by hand.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and self._protected_fields.intersection(vals):
            raise UserError(
                _(
                    "A consent changes only when the contact grants or withdraws it; every change is recorded as "
                    "an event. Use the grant or withdraw actions."
                )
            )
        return super().write(vals)

    def unlink(self):
        raise UserError(_("Consents are proof of what contacts agreed to: they cannot be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_campaign.ecrm_consent_event_action")
        action["domain"] = [("consent_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_withdraw(self):
        """Staff records that the contact withdrew (e.g. asked on the phone)."""
        self._check_staff_can_change()
        for (channel, purpose), consents in self.grouped(lambda c: (c.channel, c.purpose_id)).items():
            self._withdraw(
                consents.partner_id.ids, channel, purpose, "staff", mailing_contact_ids=consents.mailing_contact_id.ids
            )
        return True

    def action_send_confirmation(self):
        """Ask again for the confirmation of pending consents (double opt-in)."""
        self._check_staff_can_change()
        pending = self.filtered(lambda c: c.state == "pending")
        if not pending:
            raise UserError(_("Only pending consents wait for a confirmation."))
        pending.sudo()._send_confirmation()
        return True

    def _check_staff_can_change(self):
        if not self.env.user.has_group("ecrm_core.group_ecrm_user"):
            raise UserError(_("Only eCRM users can record a change of consent."))
        self.check_access("read")

    # ------------------------------------------------------------------
    # The ledger API (contract with the campaign engine)
    # ------------------------------------------------------------------

    @api.model
    def _ecrm_purpose(self, purpose):
        if isinstance(purpose, int):
            purpose = self.env["ecrm.consent.purpose"].browse(purpose)
        purpose = purpose.sudo().exists() if purpose else purpose
        if not purpose or len(purpose) != 1:
            raise UserError(_("A consent is always for one purpose (newsletter, offers...): choose one."))
        return purpose

    @api.model
    def _check_channel(self, channel):
        if channel not in dict(CONSENT_CHANNELS):
            raise UserError(
                _(
                    "Unknown consent channel %(channel)s: use one of %(codes)s.",
                    channel=channel,
                    codes=", ".join(dict(CONSENT_CHANNELS)),
                )
            )

    @api.model
    def _grant(
        self,
        partner_ids,
        channel,
        purpose,
        method,
        text=None,
        text_version=None,
        double_opt_in=False,
        legal_basis="consent",
        ip_address=None,
        user_agent=None,
        source=None,
        mailing=None,
        mailing_contact_ids=None,
    ):
        """Record that the contacts agreed to receive ``purpose`` messages through ``channel``.

        With ``double_opt_in`` the consent stays pending and a confirmation mail with a signed
        link is sent (web forms, API); otherwise it is granted now. ``text`` is the exact wording
        the contact saw (default: the purpose's current text). ``mailing_contact_ids``: mailing list
        contacts (mailing.contact) who agree, with or besides ``partner_ids``. Returns the consents changed.
        """
        target = "pending" if double_opt_in else "granted"
        consents = self._apply_change(
            partner_ids,
            channel,
            purpose,
            target,
            method,
            from_states=("withdrawn", "pending") if target == "granted" else ("withdrawn",),
            text=text,
            text_version=text_version,
            legal_basis=legal_basis,
            ip_address=ip_address,
            user_agent=user_agent,
            source=source,
            mailing=mailing,
            mailing_contact_ids=mailing_contact_ids,
        )
        if double_opt_in:
            consents.filtered(lambda c: c.state == "pending")._send_confirmation()
        return consents

    @api.model
    def _withdraw(
        self,
        partner_ids,
        channel,
        purpose,
        method,
        ip_address=None,
        user_agent=None,
        source=None,
        mailing=None,
        mailing_contact_ids=None,
    ):
        """Record that the contacts withdrew ``purpose`` on ``channel``; idempotent. Returns the consents changed.

        A contact with no consent yet gets a withdrawn one: the refusal itself is kept as proof.
        """
        return self._apply_change(
            partner_ids,
            channel,
            purpose,
            "withdrawn",
            method,
            from_states=("pending", "granted"),
            legal_basis="withdrawal",
            ip_address=ip_address,
            user_agent=user_agent,
            source=source,
            mailing=mailing,
            mailing_contact_ids=mailing_contact_ids,
        )

    def _confirm(self, method="confirmation_link", ip_address=None, user_agent=None):
        """Pending consents become granted (the contact clicked the confirmation link)."""
        changed = self.browse()
        for (channel, purpose), consents in (
            self.filtered(lambda c: c.state == "pending").grouped(lambda c: (c.channel, c.purpose_id)).items()
        ):
            changed |= self._apply_change(
                consents.partner_id.ids,
                channel,
                purpose,
                "granted",
                method,
                from_states=("pending",),
                legal_basis="consent",
                ip_address=ip_address,
                user_agent=user_agent,
                mailing_contact_ids=consents.mailing_contact_id.ids,
            )
        return changed

    @api.model
    def _apply_change(
        self, partner_ids, channel, purpose, target, method, from_states, mailing_contact_ids=None, **details
    ):
        """Move the consents of ``partner_ids`` and ``mailing_contact_ids`` to ``target``; one event per change."""
        self._check_channel(channel)
        purpose = self._ecrm_purpose(purpose)
        Consent = self.sudo()
        existing = created = Consent
        for field_name, model, ids in (
            ("partner_id", "res.partner", partner_ids),
            ("mailing_contact_id", "mailing.contact", mailing_contact_ids or []),
        ):
            ids = list(dict.fromkeys(int(record_id) for record_id in ids if record_id))
            if not ids:
                continue
            contacts = self.env[model].sudo().with_context(active_test=False).browse(ids).exists()
            found = Consent.search(
                [(field_name, "in", contacts.ids), ("channel", "=", channel), ("purpose_id", "=", purpose.id)]
            )
            known = set(found[field_name].ids)
            existing |= found
            created |= Consent.create(
                [
                    {
                        field_name: contact.id,
                        "channel": channel,
                        "purpose_id": purpose.id,
                        "state": target,
                        "company_id": (contact.company_id.id if "company_id" in contact else False)
                        or self.env.company.id,
                    }
                    for contact in contacts
                    if contact.id not in known
                ]
            )
        now = fields.Datetime.now()
        previous = {consent.id: False for consent in created}
        moving = existing.filtered(lambda c: c.state in from_states and c.state != target)
        previous.update({consent.id: consent.state for consent in moving})
        changed = created | moving
        if not changed:
            return changed
        values = {"state": target, "last_change_date": now, "method": method, "legal_basis": details.get("legal_basis")}
        if target == "granted":
            values["granted_date"] = now
        elif target == "withdrawn":
            values["withdrawn_date"] = now
        changed.write(values)
        mailing = details.get("mailing")
        text = details.get("text")
        if text is None and target != "withdrawn":
            text = purpose.consent_text
        self.env["ecrm.consent.event"].sudo().create(
            [
                {
                    "consent_id": consent.id,
                    "partner_id": consent.partner_id.id,
                    "mailing_contact_id": consent.mailing_contact_id.id,
                    "channel": channel,
                    "purpose_id": purpose.id,
                    "company_id": consent.company_id.id,
                    "state": target,
                    "previous_state": previous[consent.id],
                    "method": method,
                    "legal_basis": details.get("legal_basis"),
                    "date": now,
                    "user_id": self.env.uid,
                    "email": consent._contact().email_normalized or consent._contact().email,
                    "ip_address": details.get("ip_address"),
                    "user_agent": (details.get("user_agent") or "")[:500] or False,
                    "consent_text": text or False,
                    "consent_text_version": details.get("text_version") or purpose.consent_text_version,
                    "source": details.get("source"),
                    "mailing_id": mailing.id if mailing else False,
                }
                for consent in changed
            ]
        )
        changed.invalidate_recordset(["event_ids"])
        if target == "granted":
            changed._on_granted(method)
        elif target == "withdrawn":
            changed._on_withdrawn(method)
        return changed

    def _on_granted(self, method=None):
        """Welcome mail (K5, once per contact and purpose) and the campaigns' "consent confirmed" trigger.

        Imported consents were given elsewhere, earlier: they get no welcome mail.
        """
        email_consents = self.filtered(lambda c: c.channel == "email" and not c.welcome_sent_date)
        if self.env.context.get("ecrm_consent_no_mail") or method == "import":
            email_consents = email_consents.browse()
        template = self.env.ref("ecrm_campaign.mail_template_consent_welcome", raise_if_not_found=False)
        if template and email_consents:
            email_consents = email_consents.filtered(lambda c: c._contact().email_normalized)
            template.sudo().send_mail_batch(email_consents.ids)
            email_consents.write({"welcome_sent_date": fields.Datetime.now()})
        Campaign = self.env.get("ecrm.campaign")
        if Campaign is not None and hasattr(Campaign, "_on_consent_confirmed"):
            for (channel, purpose), consents in self.grouped(lambda c: (c.channel, c.purpose_id)).items():
                if consents.partner_id:
                    Campaign.sudo()._on_consent_confirmed(consents.partner_id, channel, purpose)

    def _on_withdrawn(self, method):
        """Keep mailing lists in step: withdrawing a purpose opts out of the lists sent under it."""
        if method == "mailing_opt_out":
            return
        email_consents = self.filtered(lambda c: c.channel == "email")
        emails = [
            email
            for email in email_consents.partner_id.mapped("email_normalized")
            + email_consents.mailing_contact_id.mapped("email_normalized")
            if email
        ]
        if not emails:
            return
        subscriptions = (
            self.env["mailing.subscription"]
            .sudo()
            .search(
                [
                    ("contact_id.email_normalized", "in", emails),
                    ("list_id.ecrm_consent_purpose_id", "in", email_consents.purpose_id.ids),
                    ("opt_out", "=", False),
                ]
            )
        )
        if subscriptions:
            subscriptions.with_context(ecrm_consent_sync=True).write({"opt_out": True})

    def _send_confirmation(self):
        """Send the double opt-in mail with its signed confirmation link."""
        template = self.env.ref("ecrm_campaign.mail_template_consent_confirm", raise_if_not_found=False)
        consents = self.filtered(lambda c: c.state == "pending" and c.channel == "email" and c.email)
        if template and consents and not self.env.context.get("ecrm_consent_no_mail"):
            template.sudo().send_mail_batch(consents.ids)
            consents.sudo().write({"confirmation_sent_date": fields.Datetime.now()})

    @api.model
    def _filter_allowed(self, partner_ids, channel, purpose, frequency_cap=True):
        """Split ``partner_ids`` into those who may receive ``purpose`` messages on ``channel`` now.

        Returns ``(allowed_ids, refused)``: the allowed partner ids (input order kept) and
        ``{reason: count}`` of the others (see REFUSAL_REASONS). One SQL statement.
        """
        allowed, refused = [], {}
        for partner_id, reason in self._refusal_reasons(partner_ids, channel, purpose, frequency_cap).items():
            if reason:
                refused[reason] = refused.get(reason, 0) + 1
            else:
                allowed.append(partner_id)
        return allowed, refused

    @api.model
    def _refusal_reasons(self, partner_ids, channel, purpose, frequency_cap=True):
        """``{partner_id: reason or None}`` for ``partner_ids`` (input order kept), in one SQL statement."""
        self._check_channel(channel)
        purpose = self._ecrm_purpose(purpose)
        partner_ids = list(dict.fromkeys(int(pid) for pid in partner_ids))
        if not partner_ids:
            return {}
        cap = self._weekly_cap() if (frequency_cap and channel == "email") else 0
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT ids.id, CASE
                    WHEN p.id IS NULL THEN 'no_consent'
                    WHEN %(email)s AND bl.id IS NOT NULL THEN 'blacklisted'
                    WHEN p.do_not_message AND p.do_not_message_reason = 'blacklisted' THEN 'blacklisted'
                    WHEN p.do_not_message AND p.do_not_message_reason = 'opted_out' THEN 'opted_out'
                    WHEN p.do_not_message THEN 'do_not_message'
                    WHEN c.state IS NULL THEN 'no_consent'
                    WHEN c.state = 'pending' THEN 'pending'
                    WHEN c.state = 'withdrawn' THEN 'withdrawn'
                    WHEN %(cap)s > 0 AND COALESCE(sent.count, 0) >= %(cap)s THEN 'frequency_cap'
                  END
              FROM unnest(%(ids)s::int[]) WITH ORDINALITY AS ids(id, position)
              LEFT JOIN res_partner p ON p.id = ids.id
              LEFT JOIN mail_blacklist bl ON %(email)s AND bl.email = p.email_normalized AND bl.active
              LEFT JOIN ecrm_consent c
                     ON c.partner_id = ids.id AND c.channel = %(channel)s AND c.purpose_id = %(purpose)s
              LEFT JOIN (%(sent)s) sent ON sent.email = p.email_normalized
             ORDER BY ids.position
            """,
                ids=partner_ids,
                email=channel == "email",
                channel=channel,
                purpose=purpose.id,
                cap=cap,
                sent=self._sent_last_week_sql(partner_ids) if cap else SQL("SELECT NULL::varchar AS email, 0 AS count"),
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _sent_last_week_sql(self, partner_ids):
        """Mails sent (or on their way) in the last 7 days, per normalized address of ``partner_ids``."""
        return SQL(
            """
            SELECT t.email, count(*) AS count
              FROM mailing_trace t
             WHERE t.trace_type = 'mail'
               AND t.trace_status IN ('sent', 'open', 'reply', 'bounce')
               AND t.sent_datetime >= (now() at time zone 'utc') - interval '7 days'
               AND t.email IN (SELECT email_normalized FROM res_partner WHERE id = ANY(%s))
             GROUP BY t.email
            """,
            partner_ids,
        )

    @api.model
    def _mailing_contact_refusal_reasons(self, contact_ids, channel, purpose, frequency_cap=True):
        """``{mailing_contact_id: reason or None}`` from the mailing list contacts' own consents, in one SQL statement.

        Same reasons and order as :meth:`_refusal_reasons`; a contact without its own consent is ``no_consent``.
        """
        self._check_channel(channel)
        purpose = self._ecrm_purpose(purpose)
        contact_ids = list(dict.fromkeys(int(cid) for cid in contact_ids))
        if not contact_ids:
            return {}
        cap = self._weekly_cap() if (frequency_cap and channel == "email") else 0
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT ids.id, CASE
                    WHEN mc.id IS NULL THEN 'no_consent'
                    WHEN %(email)s AND bl.id IS NOT NULL THEN 'blacklisted'
                    WHEN c.state IS NULL THEN 'no_consent'
                    WHEN c.state = 'pending' THEN 'pending'
                    WHEN c.state = 'withdrawn' THEN 'withdrawn'
                    WHEN %(cap)s > 0 AND COALESCE(sent.count, 0) >= %(cap)s THEN 'frequency_cap'
                  END
              FROM unnest(%(ids)s::int[]) WITH ORDINALITY AS ids(id, position)
              LEFT JOIN mailing_contact mc ON mc.id = ids.id
              LEFT JOIN mail_blacklist bl ON %(email)s AND bl.email = mc.email_normalized AND bl.active
              LEFT JOIN ecrm_consent c
                     ON c.mailing_contact_id = ids.id AND c.channel = %(channel)s AND c.purpose_id = %(purpose)s
              LEFT JOIN (
                    SELECT t.email, count(*) AS count
                      FROM mailing_trace t
                     WHERE %(cap)s > 0 AND t.trace_type = 'mail'
                       AND t.trace_status IN ('sent', 'open', 'reply', 'bounce')
                       AND t.sent_datetime >= (now() at time zone 'utc') - interval '7 days'
                       AND t.email IN (SELECT email_normalized FROM mailing_contact WHERE id = ANY(%(ids)s))
                     GROUP BY t.email
                   ) sent ON sent.email = mc.email_normalized
             ORDER BY ids.position
            """,
                ids=contact_ids,
                email=channel == "email",
                channel=channel,
                purpose=purpose.id,
                cap=cap,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _weekly_cap(self):
        return self.env.company.sudo().ecrm_consent_weekly_cap or 0

    # ------------------------------------------------------------------
    # Signed links (double opt-in, unsubscribe, preference centre)
    # ------------------------------------------------------------------

    @api.model
    def _token_secret(self):
        return self.env["ir.config_parameter"].sudo().get_param("database.secret"), self.env.cr.dbname

    @api.model
    def _sign(self, kind, values):
        secret, scope = self._token_secret()
        return tokens.sign(secret, scope, kind, values)

    @api.model
    def _read_token(self, kind, token):
        """The ids signed in a genuine ``kind`` token, or None (the caller answers alike for every failure)."""
        secret, scope = self._token_secret()
        return tokens.verify(secret, scope, kind, token)

    def _get_confirmation_url(self):
        """Signed link confirming this pending consent; it binds the pending event, so it works once."""
        self.ensure_one()
        last_event = self._last_event()
        token = self._sign(tokens.KIND_CONFIRM, [self.id, last_event.id or 0])
        return "%s/ecrm/consent/confirm/%s" % (self.get_base_url(), token)

    @api.model
    def _refusal_reason_selection(self):
        labels = {
            "blacklisted": _("Blacklisted"),
            "opted_out": _("Opted out of the mailing lists"),
            "do_not_message": _("Does not want messages"),
            "no_consent": _("No consent"),
            "pending": _("Consent not confirmed yet"),
            "withdrawn": _("Consent withdrawn"),
            "frequency_cap": _("Weekly limit reached"),
        }
        return [(code, labels[code]) for code in REFUSAL_REASONS]

    def _last_event(self):
        self.ensure_one()
        return self.env["ecrm.consent.event"].sudo().search([("consent_id", "=", self.id)], limit=1)

    @api.model
    def _contact_token_values(self, contact):
        """Token values naming a partner (``[id]``, as before) or a mailing list contact (``["list", id]``)."""
        if contact._name == "mailing.contact":
            return [MAILING_CONTACT_TOKEN, contact.id]
        return [contact.id]

    @api.model
    def _contact_from_token_values(self, values):
        """The partner or mailing list contact named by :meth:`_contact_token_values`, or None."""
        if len(values) == 2 and values[0] == MAILING_CONTACT_TOKEN and values[1].isdigit():
            contact = self.env["mailing.contact"].sudo().browse(int(values[1])).exists()
        elif len(values) == 1 and values[0].isdigit():
            contact = self.env["res.partner"].sudo().with_context(active_test=False).browse(int(values[0])).exists()
        else:
            return None
        return contact or None

    @api.model
    def _contact_ids_kwargs(self, contact):
        """Arguments of :meth:`_grant` / :meth:`_withdraw` for ``contact`` (a partner or a mailing list contact)."""
        if contact._name == "mailing.contact":
            return {"partner_ids": [], "mailing_contact_ids": contact.ids}
        return {"partner_ids": contact.ids}

    @api.model
    def _get_unsubscribe_url(self, partner, channel, purpose, mailing=None, one_click=False):
        """Signed unsubscribe link of ``partner`` (a res.partner or a mailing.contact)."""
        values = self._contact_token_values(partner) + [channel, purpose.id, mailing.id if mailing else 0]
        token = self._sign(tokens.KIND_UNSUBSCRIBE, values)
        route = "one-click" if one_click else "unsubscribe"
        return "%s/ecrm/consent/%s/%s" % (partner.get_base_url(), route, token)

    @api.model
    def _get_preferences_url(self, partner):
        token = self._sign(tokens.KIND_PREFERENCES, self._contact_token_values(partner))
        return "%s/ecrm/consent/preferences/%s" % (partner.get_base_url(), token)

    def _get_preferences_url_of_partner(self):
        self.ensure_one()
        return self._get_preferences_url(self._contact())

    # ------------------------------------------------------------------
    # Public pages (controllers/consent.py): each returns what the page shows, or None for
    # any invalid link (bad signature, expired, unknown id, already used), answered alike.
    # ------------------------------------------------------------------

    @api.model
    def _public_confirm(self, token, apply=False, ip_address=None, user_agent=None):
        values = self._read_token(tokens.KIND_CONFIRM, token)
        if not values or len(values) != 2 or not all(value.isdigit() for value in values):
            return None
        consent = self.sudo().browse(int(values[0])).exists()
        if not consent or consent.state != "pending" or consent._last_event().id != int(values[1]):
            return None
        if apply:
            consent._confirm(ip_address=ip_address, user_agent=user_agent)
        return {"consent": consent, "done": apply}

    @api.model
    def _public_unsubscribe(self, token, method="unsubscribe_link", apply=False, ip_address=None, user_agent=None):
        values = self._read_token(tokens.KIND_UNSUBSCRIBE, token)
        if not values or len(values) not in (4, 5):
            return None
        partner = self._contact_from_token_values(values[:-3])
        channel, purpose_id, mailing_id = values[-3:]
        if channel not in dict(CONSENT_CHANNELS) or not (purpose_id.isdigit() and mailing_id.isdigit()):
            return None
        purpose = self.env["ecrm.consent.purpose"].sudo().browse(int(purpose_id)).exists()
        if not partner or not purpose:
            return None
        mailing = self.env["mailing.mailing"].sudo().browse(int(mailing_id)).exists() if int(mailing_id) else None
        if apply:
            self._withdraw(
                channel=channel,
                purpose=purpose,
                method=method,
                ip_address=ip_address,
                user_agent=user_agent,
                source=mailing.subject if mailing else None,
                mailing=mailing,
                **self._contact_ids_kwargs(partner),
            )
        return {"partner": partner, "purpose": purpose, "channel": channel, "done": apply}

    @api.model
    def _public_preferences(self, token):
        """The contact and a row per purpose with the state of each channel, for the preference centre."""
        values = self._read_token(tokens.KIND_PREFERENCES, token)
        partner = self._contact_from_token_values(values) if values else None
        if not partner:
            return None
        field_name = "mailing_contact_id" if partner._name == "mailing.contact" else "partner_id"
        consents = self.sudo().search([(field_name, "=", partner.id)])
        state_of = {(c.purpose_id.id, c.channel): c.state for c in consents}
        purposes = self.env["ecrm.consent.purpose"].sudo().search([])
        rows = [
            {
                "purpose": purpose,
                "channels": [
                    {"code": code, "label": label, "state": state_of.get((purpose.id, code))}
                    for code, label in self._fields["channel"]._description_selection(self.env)
                ],
            }
            for purpose in purposes
        ]
        return {"partner": partner, "rows": rows, "token": token}

    @api.model
    def _public_save_preferences(self, token, chosen, ip_address=None, user_agent=None):
        """Apply the preference centre: ``chosen`` is the set of ``"<purpose id>-<channel>"`` ticked.

        Ticking grants (the contact acts on a signed link of their own), unticking withdraws; boxes
        that did not change write nothing.
        """
        page = self._public_preferences(token)
        if page is None:
            return None
        partner = page["partner"]
        for row in page["rows"]:
            purpose = row["purpose"]
            for channel in row["channels"]:
                key = "%s-%s" % (purpose.id, channel["code"])
                wanted = key in chosen
                granted = channel["state"] == "granted"
                if wanted and not granted:
                    self._grant(
                        channel=channel["code"],
                        purpose=purpose,
                        method="preference_centre",
                        ip_address=ip_address,
                        user_agent=user_agent,
                        **self._contact_ids_kwargs(partner),
                    )
                elif not wanted and channel["state"] in ("granted", "pending"):
                    self._withdraw(
                        channel=channel["code"],
                        purpose=purpose,
                        method="preference_centre",
                        ip_address=ip_address,
                        user_agent=user_agent,
                        **self._contact_ids_kwargs(partner),
                    )
        return self._public_preferences(token)

    @api.model
    def _api_subscribe(self, data, ip_address=None, user_agent=None):
        """The subscription API (and web forms): the consent stays pending until the contact confirms.

        ``data``: {"email", "name", "purpose" (code), "channel" (default email), "text", "text_version",
        "source"}. Returns ``(status, body)``.
        """
        email = tools_email_normalize(data.get("email"))
        purpose_code = data.get("purpose")
        channel = data.get("channel") or "email"
        if not email:
            return 400, {"error": "email", "message": _("Give a valid e-mail address in 'email'.")}
        if channel not in dict(CONSENT_CHANNELS):
            return 400, {
                "error": "channel",
                "message": _("'channel' must be one of %s.", ", ".join(dict(CONSENT_CHANNELS))),
            }
        purpose = self.env["ecrm.consent.purpose"].sudo().search([("code", "=", purpose_code)], limit=1)
        if not purpose:
            return 400, {"error": "purpose", "message": _("Unknown purpose code %r.", purpose_code)}
        Partner = self.env["res.partner"].sudo()
        partner = Partner.search([("email_normalized", "=", email)], limit=1)
        if not partner:
            partner = Partner.create({"name": data.get("name") or email, "email": email})
        consents = self._grant(
            partner.ids,
            channel,
            purpose,
            "api",
            text=data.get("text"),
            text_version=data.get("text_version"),
            double_opt_in=True,
            ip_address=ip_address,
            user_agent=user_agent,
            source=data.get("source"),
        )
        consent = self.sudo().search(
            [("partner_id", "=", partner.id), ("channel", "=", channel), ("purpose_id", "=", purpose.id)]
        )
        return 202 if consents else 200, {"partner_id": partner.id, "consent_id": consent.id, "state": consent.state}

    # ------------------------------------------------------------------
    # Cadence floor (K4): consenting contacts we have not written to for too long
    # ------------------------------------------------------------------

    @api.model
    def _forgotten_partner_ids(self, days=None, company=None):
        """Contacts with a granted e-mail consent (older than ``days``) who received no mailing in ``days`` days.

        Contacts who do not want messages are left out. One SQL statement.
        """
        company = company or self.env.company
        days = days or company.ecrm_cadence_days or 30
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT c.partner_id
              FROM ecrm_consent c
              JOIN res_partner p ON p.id = c.partner_id AND p.active AND NOT COALESCE(p.do_not_message, false)
             WHERE c.channel = 'email' AND c.state = 'granted' AND c.company_id = %(company)s
               AND c.granted_date < (now() at time zone 'utc') - make_interval(days => %(days)s)
               AND p.email_normalized IS NOT NULL
               AND NOT EXISTS (
                    SELECT 1 FROM mailing_trace t
                     WHERE t.email = p.email_normalized
                       AND t.trace_status IN ('sent', 'open', 'reply')
                       AND t.sent_datetime >= (now() at time zone 'utc') - make_interval(days => %(days)s))
             ORDER BY c.partner_id
            """,
                company=company.id,
                days=int(days),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def action_view_forgotten(self):
        """The contacts the cadence floor lists (server action of the Consent menu)."""
        days = self.env.company.ecrm_cadence_days or 30
        return {
            "type": "ir.actions.act_window",
            "name": _("Not Mailed for %s Days", days),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self._forgotten_partner_ids())],
            "help": _(
                "<p>Every contact who consented has received something in the last %s days.</p>"
                "<p>Fewer than one mail a month and customers forget you (K4).</p>",
                days,
            ),
        }

    @api.model
    def _cron_cadence_floor(self):
        """Feed the forgotten contacts of each company into its chosen campaign (K4)."""
        companies = self.env["res.company"].sudo().search([("ecrm_cadence_campaign_id", "!=", False)])
        for company in companies:
            campaign = company.ecrm_cadence_campaign_id
            if campaign.state != "running" or not hasattr(campaign, "_add_participants"):
                continue
            partner_ids = self.sudo()._forgotten_partner_ids(company=company)
            if partner_ids:
                added = campaign._add_participants(partner_ids)
                _logger.info("eCRM consent: cadence floor added %s contacts to campaign %s", added, campaign.id)

    @api.model
    def _demo_consents(self):
        """Demo data: a few demo contacts in every consent state, with their history."""
        refs = [
            "base.res_partner_address_1",
            "base.res_partner_address_2",
            "base.res_partner_address_3",
            "base.res_partner_address_4",
            "base.res_partner_address_5",
            "base.res_partner_address_7",
            "base.res_partner_address_10",
            "base.res_partner_address_11",
        ]
        partners = self.env["res.partner"]
        for ref in refs:
            partners |= self.env.ref(ref, raise_if_not_found=False) or self.env["res.partner"]
        partners = partners.filtered("email")
        if len(partners) < 4:
            return
        newsletter = self.env.ref("ecrm_campaign.consent_purpose_newsletter")
        offers = self.env.ref("ecrm_campaign.consent_purpose_offers")
        surveys = self.env.ref("ecrm_campaign.consent_purpose_surveys")
        Consent = self.with_context(ecrm_consent_no_mail=True)
        Consent._grant(partners[:-1].ids, "email", newsletter, "import", source="Demo: shop sign-up sheet")
        Consent._grant(partners[:3].ids, "email", offers, "web_form", ip_address="192.0.2.10")
        Consent._grant(partners[2:5].ids, "sms", offers, "staff", source="Demo: phone call")
        Consent._grant(partners[3:6].ids, "email", surveys, "web_form", double_opt_in=True)
        Consent._withdraw(partners[1:2].ids, "email", offers, "unsubscribe_link")
        Consent._withdraw(partners[-1:].ids, "email", newsletter, "preference_centre")
