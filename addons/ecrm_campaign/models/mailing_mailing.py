import logging

from werkzeug.exceptions import HTTPException, NotFound

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..tools import mail_checks

_logger = logging.getLogger(__name__)


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    # --- consent (K2) ---
    # Every mass mailing is sent under a consent purpose: recipients without granted consent for
    # it are left out when the audience is computed and again when each mail leaves (mail.mail).
    ecrm_consent_purpose_id = fields.Many2one(
        "ecrm.consent.purpose",
        string="Consent Purpose",
        default=lambda self: self.env.ref("ecrm_campaign.consent_purpose_newsletter", raise_if_not_found=False),
        ondelete="set null",
        help="Only contacts who granted consent for this purpose on this channel receive the mailing (K2).",
    )
    ecrm_consent_refusals = fields.Json(
        string="Refused at Audience",
        readonly=True,
        copy=False,
        help="{reason: count} of the recipients left out when the audience was last computed for sending.",
    )
    ecrm_consent_refused_count = fields.Integer(
        string="Refused", compute="_compute_ecrm_consent_refused", help="Recipients left out for lack of consent."
    )
    ecrm_consent_refusal_summary = fields.Char(string="Refused Because", compute="_compute_ecrm_consent_refused")

    def _ecrm_consent_refusal_counts(self):
        """{reason: count}: refused at audience computation plus mails cancelled at send time."""
        self.ensure_one()
        counts = dict(self.ecrm_consent_refusals or {})
        if self.id:
            groups = (
                self.env["mailing.trace"]
                .sudo()
                ._read_group(
                    [("mass_mailing_id", "=", self.id), ("failure_type", "=like", "ecrm\\_%")],
                    ["failure_type"],
                    ["__count"],
                )
            )
            for failure_type, count in groups:
                reason = failure_type[len("ecrm_") :]
                counts[reason] = counts.get(reason, 0) + count
        return counts

    def _compute_ecrm_consent_refused(self):
        labels = dict(self.env["ecrm.consent"]._refusal_reason_selection())
        for mailing in self:
            counts = mailing._ecrm_consent_refusal_counts()
            mailing.ecrm_consent_refused_count = sum(counts.values())
            mailing.ecrm_consent_refusal_summary = ", ".join(
                "%s: %s" % (labels.get(reason, reason), count) for reason, count in sorted(counts.items())
            )

    def _ecrm_consent_channel(self):
        return "sms" if self.mailing_type == "sms" else "email"

    def _ecrm_consent_partner_map(self, res_ids):
        """{res_id: partner_id or None}: the contact whose consent decides for each recipient record.

        Contacts are themselves; records with a contact field use it; others (mailing list
        contacts, leads...) are matched by normalized e-mail, preferring a contact who granted.
        """
        self.ensure_one()
        model = self.mailing_model_real
        if model == "res.partner":
            return {res_id: res_id for res_id in res_ids}
        Model = self.env[model]
        self.env.flush_all()
        table = SQL.identifier(Model._table)
        partner_field = Model._fields.get("partner_id")
        email_field = Model._fields.get("email_normalized")
        if (
            partner_field
            and partner_field.store
            and partner_field.comodel_name == "res.partner"
            and model != "mailing.contact"
        ):
            query = SQL("SELECT r.id, r.partner_id FROM %s r WHERE r.id = ANY(%s)", table, list(res_ids))
        elif email_field and email_field.store:
            query = SQL(
                """
                SELECT DISTINCT ON (r.id) r.id, p.id
                  FROM %s r
                  LEFT JOIN res_partner p ON p.email_normalized = r.email_normalized
                  LEFT JOIN ecrm_consent c
                         ON c.partner_id = p.id AND c.channel = %s AND c.purpose_id = %s
                 WHERE r.id = ANY(%s)
                 ORDER BY r.id, (c.state = 'granted') DESC NULLS LAST, p.id
                """,
                table,
                self._ecrm_consent_channel(),
                self.ecrm_consent_purpose_id.id,
                list(res_ids),
            )
        else:
            _logger.warning("eCRM consent: cannot find the contacts of %s records; none of them is mailed", model)
            return {res_id: None for res_id in res_ids}
        self.env.cr.execute(query)
        return dict(self.env.cr.fetchall())

    def _ecrm_consent_reasons(self, res_ids, frequency_cap=True):
        """{res_id: refusal reason or None} for recipient records of this mailing."""
        self.ensure_one()
        partner_of = self._ecrm_consent_partner_map(res_ids)
        reasons = self.env["ecrm.consent"]._refusal_reasons(
            [pid for pid in set(partner_of.values()) if pid],
            self._ecrm_consent_channel(),
            self.ecrm_consent_purpose_id,
            frequency_cap=frequency_cap,
        )
        result = {
            res_id: (reasons.get(partner_of.get(res_id)) if partner_of.get(res_id) else "no_consent")
            for res_id in res_ids
        }
        if self.mailing_model_real == "mailing.contact":
            # a mailing list contact may also have its own consent: either one granted is enough
            own = self.env["ecrm.consent"]._mailing_contact_refusal_reasons(
                res_ids, self._ecrm_consent_channel(), self.ecrm_consent_purpose_id, frequency_cap=frequency_cap
            )
            for res_id, partner_reason in result.items():
                own_reason = own.get(res_id, "no_consent")
                if not own_reason or not partner_reason:
                    result[res_id] = None
                elif own_reason != "no_consent":
                    result[res_id] = own_reason
        return result

    def _ecrm_consent_partner_domain(self):
        """Contacts who may receive this mailing, as a domain the recipient search applies in SQL."""
        channel = self._ecrm_consent_channel()
        domain = [
            (
                "ecrm_consent_ids",
                "any",
                [
                    ("channel", "=", channel),
                    ("purpose_id", "=", self.ecrm_consent_purpose_id.id),
                    ("state", "=", "granted"),
                ],
            ),
            ("do_not_message", "=", False),
        ]
        if channel == "email":
            domain.append(("is_blacklisted", "=", False))
        return domain

    def _ecrm_consent_partner_recipients(self):
        """The stock recipient search of a mailing on contacts, with the consent conditions in the same query.

        EXISTS on the consent (unique index on partner, channel, purpose) and NOT EXISTS on the
        blacklist: one statement, the cost of a few index lookups per contact.
        """
        Partner = self.env["res.partner"]
        query = Partner._search(super()._get_recipients_domain(), order=Partner._order)
        partner = SQL.identifier(query.table)
        self.env["ecrm.consent"].flush_model(["partner_id", "channel", "purpose_id", "state"])
        self.env["mail.blacklist"].flush_model(["email", "active"])
        Partner.flush_model(["do_not_message", "email_normalized"])
        query.add_where(
            SQL(
                """EXISTS (SELECT 1 FROM ecrm_consent c
                            WHERE c.partner_id = %(partner)s.id AND c.channel = %(channel)s
                              AND c.purpose_id = %(purpose)s AND c.state = 'granted')
                   AND %(partner)s.do_not_message IS NOT TRUE""",
                partner=partner,
                channel=self._ecrm_consent_channel(),
                purpose=self.ecrm_consent_purpose_id.id,
            )
        )
        if self._ecrm_consent_channel() == "email":
            query.add_where(
                SQL(
                    """NOT EXISTS (SELECT 1 FROM mail_blacklist bl
                                    WHERE bl.email = %(partner)s.email_normalized AND bl.active)""",
                    partner=partner,
                )
            )
        return [row[0] for row in self.env.execute_query(query.select())]

    def _get_recipients_domain(self):
        """Mailings on contacts: only those with granted consent for the purpose are searched (K2)."""
        domain = super()._get_recipients_domain()
        if self.ecrm_consent_purpose_id and self.mailing_model_real == "res.partner":
            domain = expression.AND([domain, self._ecrm_consent_partner_domain()])
        return domain

    def _get_recipients(self):
        """Leave out the recipients without granted consent for the mailing's purpose (K2).

        Contacts are filtered by the search itself (see _get_recipients_domain); other recipients
        (mailing list contacts, leads...) through their contact's consent. When sending, the
        refusals are counted per reason.
        """
        if self.ecrm_consent_purpose_id and self.mailing_model_real == "res.partner" and not self.ab_testing_enabled:
            res_ids = self._ecrm_consent_partner_recipients()
        else:
            res_ids = super()._get_recipients()
        if not self.ecrm_consent_purpose_id:
            return res_ids
        counting = self.env.context.get("ecrm_consent_count_refusals")
        if self.mailing_model_real == "res.partner":
            if counting:
                everyone = self.env["res.partner"].search(super()._get_recipients_domain()).ids
                reasons = self._ecrm_consent_reasons(everyone)
            elif res_ids and self.env["ecrm.consent"]._weekly_cap():
                reasons = self._ecrm_consent_reasons(res_ids)
            else:
                return res_ids
        elif res_ids:
            reasons = self._ecrm_consent_reasons(res_ids)
        else:
            return res_ids
        if counting:
            refused = {}
            for reason in reasons.values():
                if reason:
                    refused[reason] = refused.get(reason, 0) + 1
            self.sudo().ecrm_consent_refusals = refused
        return [res_id for res_id in res_ids if not reasons.get(res_id)]

    def action_send_mail(self, res_ids=None):
        return super(MailingMailing, self.with_context(ecrm_consent_count_refusals=True)).action_send_mail(res_ids)

    def _get_unsubscribe_url(self, email_to, res_id):
        """The visible unsubscribe link withdraws the consent of the mailing's purpose (signed)."""
        partner = self._ecrm_consent_partner_of(res_id)
        if not partner:
            return super()._get_unsubscribe_url(email_to, res_id)
        return self.env["ecrm.consent"]._get_unsubscribe_url(
            partner, self._ecrm_consent_channel(), self.ecrm_consent_purpose_id, mailing=self
        )

    def _get_unsubscribe_oneclick_url(self, email_to, res_id):
        """The List-Unsubscribe header (RFC 8058 one-click POST) withdraws the same consent."""
        partner = self._ecrm_consent_partner_of(res_id)
        if not partner:
            return super()._get_unsubscribe_oneclick_url(email_to, res_id)
        return self.env["ecrm.consent"]._get_unsubscribe_url(
            partner, self._ecrm_consent_channel(), self.ecrm_consent_purpose_id, mailing=self, one_click=True
        )

    def _ecrm_consent_partner_of(self, res_id):
        """Whose consent the unsubscribe links of this recipient withdraw: a partner or a mailing list contact.

        A mailing list contact with its own consent for the purpose (or matching no partner) is itself.
        """
        if not self.ecrm_consent_purpose_id or not res_id:
            return self.env["res.partner"]
        if self.mailing_model_real == "mailing.contact":
            contact = self.env["mailing.contact"].sudo().browse(res_id).exists()
            own = (
                self.env["ecrm.consent"]
                .sudo()
                .search_count(
                    [
                        ("mailing_contact_id", "=", res_id),
                        ("channel", "=", self._ecrm_consent_channel()),
                        ("purpose_id", "=", self.ecrm_consent_purpose_id.id),
                    ]
                )
            )
            partner_id = not own and contact and self._ecrm_consent_partner_map([res_id]).get(res_id)
            if contact and not partner_id:
                return contact
        else:
            partner_id = self._ecrm_consent_partner_map([res_id]).get(res_id)
        return self.env["res.partner"].sudo().browse(partner_id) if partner_id else self.env["res.partner"]

    # Pre-send checks (K7-K9): sending, scheduling and test sends are blocked until they pass

    def action_put_in_queue(self):
        self._ecrm_check_before_sending()
        return super().action_put_in_queue()

    def action_test(self):
        self._ecrm_check_before_sending()
        return super().action_test()

    def _ecrm_check_before_sending(self):
        problems = []
        for mailing in self.filtered(lambda m: m.mailing_type == "mail"):
            company = mailing.env.company
            if not company.ecrm_presend_checks:
                continue
            for problem in mailing._ecrm_presend_problems():
                problems.append("%s: %s" % (mailing.subject or mailing.display_name, problem))
        if problems:
            raise UserError(
                _("This mailing cannot be sent yet. Fix the following and try again:\n%s", "\n".join(problems))
            )

    def _ecrm_presend_problems(self):
        """The list of what to fix before this mailing may be sent (empty when all is well)."""
        self.ensure_one()
        company = self.env.company
        html = self.body_html or self.body_arch or ""
        problems = []
        messages = {
            "no_unsubscribe": _(
                "There is no unsubscribe link (K7): add one (the footer blocks of the editor have it, or link to "
                "/unsubscribe_from_list)."
            ),
            "malformed_link": _("The link '%s' is not a valid address: correct it."),
            "no_viewport": _("The mail declares no mobile viewport (K9): use the mailing layout or add one."),
            "fixed_width": _(
                "Some elements have a fixed width over 600px (%s), too wide for a phone (K9): use 100%% or at "
                "most 600px."
            ),
        }
        for code, detail in mail_checks.check_body(html, viewport_in_layout=True):
            message = messages[code]
            problems.append(message % detail if "%s" in message else message)
        if company.ecrm_require_tracking:
            missing = [
                label
                for label, value in (
                    (_("campaign"), self.campaign_id),
                    (_("medium"), self.medium_id),
                    (_("source"), self.source_id),
                )
                if not value
            ]
            if missing:
                problems.append(
                    _(
                        "Tracking parameters are missing (%s): fill them in the mailing's settings tab.",
                        ", ".join(missing),
                    )
                )
        links = mail_checks.extract_links(html)
        problems += self._ecrm_check_own_pages(links)
        if company.ecrm_check_external_links:
            for url, status in mail_checks.check_external_links(
                [url for url in links if mail_checks.is_external(url, self.get_base_url())]
            ):
                problems.append(_("The link %(url)s does not answer (%(status)s).", url=url, status=status))
        return problems

    def _ecrm_check_own_pages(self, links):
        """Links to this Odoo's website must reach a page that exists and is published (K8)."""
        if "website.page" not in self.env:
            return []
        problems = []
        base_url = self.get_base_url()
        Page = self.env["website.page"].sudo()
        for url in links:
            path = mail_checks.own_path(url, base_url)
            if path is None or not mail_checks.is_page_path(path):
                continue
            page = Page.search([("url", "=", path)], limit=1)
            if page:
                if not page.website_published:
                    problems.append(_("The page %s is not published: publish it or change the link.", path))
                continue
            if not self._ecrm_route_exists(path):
                problems.append(_("The page %s does not exist on this website: fix the link.", path))
        return problems

    def _ecrm_route_exists(self, path):
        """A path served by a controller (shop, blog, event...) counts as existing."""
        try:
            self.env["ir.http"].routing_map().bind("localhost").match(path, method="GET")
        except NotFound:
            return False
        except HTTPException:  # a redirect or another method: the route exists
            return True
        return True

    # --- end of consent ---
