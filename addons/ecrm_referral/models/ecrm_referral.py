import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import fraud, network

_logger = logging.getLogger(__name__)

CHANNELS = [
    ("link", "Referral link"),
    ("code", "Code at the till"),
    ("invitation", "Invitation"),
    ("manual", "Entered by staff"),
]
# Serialises inserts into the network so that two racing links cannot close a cycle together.
NETWORK_LOCK_KEY = 0x45435246  # "ECRF"


class EcrmReferral(models.Model):
    """One edge of the referral network: ``referrer_id`` brought ``partner_id``.

    Besides the ORM fields, the table keeps ``ancestor_path`` (int[]): the referred person's
    whole up-line, nearest first. Reward levels and cycle checks read it instead of walking
    the network, so a five-level payout is one join and a cycle check one index lookup.
    """

    _name = "ecrm.referral"
    _description = "Referral"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Referred", required=True, ondelete="cascade", index=True, tracking=True
    )
    referrer_id = fields.Many2one("res.partner", required=True, ondelete="restrict", index=True, tracking=True)
    program_id = fields.Many2one("ecrm.referral.program", required=True, ondelete="restrict", index=True)
    company_id = fields.Many2one(related="program_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="program_id.currency_id")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    channel = fields.Selection(CHANNELS, required=True, default="manual")
    generation = fields.Integer(
        readonly=True, help="1: referred by a member at the top of the network; 2: one step further down, and so on."
    )
    upline_display = fields.Char(string="Up-line", compute="_compute_upline_display")
    invitation_id = fields.Many2one("ecrm.referral.invitation", ondelete="set null", index="btree_not_null")
    ip_address = fields.Char(string="IP Address", index="btree_not_null", help="Where the sign-up came from.")
    risk_score = fields.Integer(readonly=True, help="0 to 100, from the fraud rules; see the reasons.")
    risk_reasons = fields.Text(readonly=True)
    risk_rules = fields.Char(readonly=True, help="Codes of the fraud rules that matched.")
    is_flagged = fields.Boolean(
        string="Flagged",
        compute="_compute_is_flagged",
        store=True,
        help="Risky enough that its rewards wait for a person to review them.",
    )
    reward_ids = fields.One2many("ecrm.referral.reward", "referral_id")
    reward_count = fields.Integer(compute="_compute_reward_count")
    order_count = fields.Integer(string="Orders", compute="_compute_reward_count")

    _sql_constraints = [
        ("partner_uniq", "unique(partner_id)", "This person was already referred: everyone has one referrer."),
        ("not_self", "CHECK(partner_id != referrer_id)", "Nobody can refer themselves."),
    ]

    def init(self):
        self.env.cr.execute(
            """
            ALTER TABLE ecrm_referral ADD COLUMN IF NOT EXISTS ancestor_path int4[] NOT NULL DEFAULT '{}';
            -- who is under whom: finds a member's whole down-line when they join someone's network late
            CREATE INDEX IF NOT EXISTS ecrm_referral_ancestor_path_gin ON ecrm_referral USING gin (ancestor_path);
            """
        )

    @api.depends("risk_score", "program_id.risk_threshold")
    def _compute_is_flagged(self):
        for referral in self:
            referral.is_flagged = (
                bool(referral.risk_score) and referral.risk_score >= referral.program_id.risk_threshold
            )

    def _compute_reward_count(self):
        groups = self.env["ecrm.referral.reward"]._read_group(
            [("referral_id", "in", self.ids)], ["referral_id"], ["__count", "order_id:count_distinct"]
        )
        counts = {referral.id: (count, orders) for referral, count, orders in groups}
        for referral in self:
            referral.reward_count, referral.order_count = counts.get(referral.id, (0, 0))

    def _compute_upline_display(self):
        paths = self._ancestor_paths()
        names = dict(
            self.env["res.partner"]
            .browse({pid for path in paths.values() for pid in path[:5]})
            .sudo()
            .mapped(lambda p: (p.id, p.name))
        )
        for referral in self:
            path = paths.get(referral.id, [])
            shown = [names.get(pid, "?") for pid in path[:5]]
            referral.upline_display = " ← ".join(shown) + (" …" if len(path) > 5 else "")

    # ------------------------------------------------------------------
    # Network maintenance
    # ------------------------------------------------------------------
    def _ancestor_paths(self):
        if not self.ids:
            return {}
        self.env.cr.execute(SQL("SELECT id, ancestor_path FROM ecrm_referral WHERE id = ANY(%s)", self.ids))
        return dict(self.env.cr.fetchall())

    @api.model
    def _upline_of(self, partner_id):
        """Up-line of a partner, nearest first ([] for a member at the top)."""
        self.env.cr.execute(
            SQL("SELECT ancestor_path FROM ecrm_referral WHERE partner_id = %s", partner_id),
        )
        row = self.env.cr.fetchone()
        return list(row[0]) if row else []

    @api.model
    def _check_no_cycle(self, referred_id, referrer_id):
        if network.creates_cycle(referred_id, referrer_id, self._upline_of(referrer_id)):
            referred = self.env["res.partner"].browse(referred_id).sudo()
            referrer = self.env["res.partner"].browse(referrer_id).sudo()
            raise ValidationError(
                _(
                    "%(referrer)s cannot refer %(referred)s: %(referred)s is already above %(referrer)s in the "
                    "referral network (or is the same person), and the link would make a loop.",
                    referrer=referrer.name,
                    referred=referred.name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s)", NETWORK_LOCK_KEY))
        self.env.flush_all()
        referrals = self.browse()
        for vals in vals_list:
            if vals.get("partner_id") and vals.get("referrer_id"):
                self._check_no_cycle(vals["partner_id"], vals["referrer_id"])
            referral = super().create([vals])
            referral._set_ancestor_path()
            referrals |= referral
        referrals._assess_risk()
        referrals._after_link()
        return referrals

    def write(self, vals):
        if {"partner_id", "referrer_id"} & set(vals):
            raise ValidationError(_("A referral link cannot be moved; delete it and link the person again."))
        return super().write(vals)

    def _set_ancestor_path(self):
        """Store the new member's up-line and extend the up-line of anyone already under them."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """
                UPDATE ecrm_referral r
                   SET ancestor_path = ARRAY[r.referrer_id]
                                       || COALESCE((SELECT up.ancestor_path FROM ecrm_referral up
                                                     WHERE up.partner_id = r.referrer_id), '{}'),
                       generation = 1 + COALESCE((SELECT cardinality(up.ancestor_path) FROM ecrm_referral up
                                                   WHERE up.partner_id = r.referrer_id), 0)
                 WHERE r.id = %s
             RETURNING ancestor_path
                """,
                self.id,
            )
        )
        path = self.env.cr.fetchone()[0]
        # The person had no referrer until now, so they end the path of everyone below them.
        self.env.cr.execute(
            SQL(
                """
                UPDATE ecrm_referral
                   SET ancestor_path = ancestor_path || %(path)s::int4[],
                       generation = cardinality(ancestor_path) + %(extra)s
                 WHERE ancestor_path @> ARRAY[%(member)s]::int4[] AND id != %(id)s
                """,
                path=path,
                extra=len(path),
                member=self.partner_id.id,
                id=self.id,
            )
        )
        self.env.cr.execute(
            SQL("SELECT id FROM ecrm_referral WHERE ancestor_path @> ARRAY[%s]::int4[]", self.partner_id.id)
        )
        moved = self.browse([row[0] for row in self.env.cr.fetchall()]) | self
        moved.invalidate_recordset(["generation"])
        moved.modified(["generation"])

    # ------------------------------------------------------------------
    # Fraud checks
    # ------------------------------------------------------------------
    def _fraud_facts(self, partner):
        partner = partner.sudo()
        people = partner | partner.child_ids.filtered(lambda c: c.type == "delivery")
        orders = self.env["sale.order"].sudo().search([("partner_id", "=", partner.id)], limit=20)
        people |= orders.partner_shipping_id
        return {
            "id": partner.id,
            "email_key": partner.email_dedup_key,
            "phones": [number for p in partner for number in (p.phone_e164, p.mobile_e164) if number],
            "address_keys": [key for key in people.mapped("address_key") if key],
            "disposable": partner.email_quality == "disposable",
        }

    def _assess_risk(self):
        hour_ago = fields.Datetime.now() - timedelta(hours=1)
        ips = [ip for ip in set(self.mapped("ip_address")) if ip]
        ip_counts = {}
        if ips:
            groups = self.sudo()._read_group(
                [("ip_address", "in", ips), ("date", ">=", hour_ago)], ["ip_address"], ["__count"]
            )
            ip_counts = dict(groups)
        for referral in self:
            score, rules = fraud.assess(
                self._fraud_facts(referral.referrer_id),
                self._fraud_facts(referral.partner_id),
                ip_count=ip_counts.get(referral.ip_address, 0),
                ip_limit=referral.program_id.ip_burst_limit,
            )
            referral.write(
                {"risk_score": score, "risk_rules": ",".join(rules), "risk_reasons": fraud.reasons_text(rules)}
            )

    def action_reassess(self):
        self._assess_risk()

    # ------------------------------------------------------------------
    # CRM side (V5) and viral rewards
    # ------------------------------------------------------------------
    def _after_link(self):
        source = self.env.ref("ecrm_referral.utm_source_referral", raise_if_not_found=False)
        self.env["ecrm.touchpoint"]._record(
            [
                {
                    "partner_id": referral.partner_id.id,
                    "touchpoint_type": "form",
                    "direction": "inbound",
                    "summary": _("Joined through %(referrer)s's referral (%(program)s)")
                    % {"referrer": referral.referrer_id.name, "program": referral.program_id.name},
                    "res_model": self._name,
                    "res_id": referral.id,
                    "source_id": source.id if source else False,
                    "external_id": "ecrm_referral:%s" % referral.id,
                    "company_id": referral.company_id.id,
                }
                for referral in self
            ]
        )
        # A referred person is a latent customer until they buy (C5, V5).
        newcomers = self.partner_id.filtered(lambda p: not p.lifecycle_stage)
        if newcomers:
            newcomers.sudo().write({"lifecycle_stage": "latent"})
        for referral in self:
            if not referral.partner_id.referral_program_id:
                referral.partner_id.sudo().referral_program_id = referral.program_id
        self.env["ecrm.referral.reward"].sudo()._create_for_signups(
            self.filtered(lambda r: r.program_id.program_type == "viral")
        )
        for referral in self:
            referral.referrer_id.sudo().message_post(
                body=_("%(name)s joined through this member's referral.", name=referral.partner_id.name),
                subtype_xmlid="mail.mt_note",
            )

    @api.model
    def _link(self, referrer, referred, channel, ip_address=None, invitation=None):
        """Link ``referred`` under ``referrer`` unless they already have a referrer; the new or existing link."""
        existing = self.sudo().search([("partner_id", "=", referred.id)], limit=1)
        if existing or not referrer.referral_program_id or referrer == referred:
            return existing
        return self.sudo().create(
            {
                "partner_id": referred.id,
                "referrer_id": referrer.id,
                "program_id": referrer.referral_program_id.id,
                "channel": channel,
                "ip_address": ip_address,
                "invitation_id": invitation.id if invitation else False,
            }
        )

    @api.model
    def _link_by_code(self, code, referred, channel, ip_address=None, token=None):
        """Link ``referred`` to the member whose code this is; the link, or an empty recordset when the
        code is unknown, the person is the member, or they already have a referrer."""
        referrer = self.env["res.partner"]._find_referral_member(code) if code else None
        if not referrer or not referred:
            return self.browse()
        invitation = self.env["ecrm.referral.invitation"]
        if token:
            invitation = invitation.sudo().search(
                [("token", "=", token), ("referrer_id", "=", referrer.id), ("state", "=", "sent")], limit=1
            )
        referral = self._link(
            referrer, referred, "invitation" if invitation else channel, ip_address=ip_address, invitation=invitation
        )
        if referral and invitation and referral.invitation_id == invitation:
            invitation.write({"state": "joined", "referral_id": referral.id})
        return referral

    def action_open_rewards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_referral.ecrm_referral_reward_action")
        action["domain"] = [("referral_id", "=", self.id)]
        return action

    @api.model
    def _record_visit(self, code, landing_url=None, referrer_url=None):
        """A visit through a member's link: record it on the member's timeline; the member or nothing."""
        member = self.env["res.partner"]._find_referral_member(code)
        if member:
            source = self.env.ref("ecrm_referral.utm_source_referral", raise_if_not_found=False)
            self.env["ecrm.touchpoint"]._record(
                [
                    {
                        "partner_id": member.id,
                        "touchpoint_type": "web_visit",
                        "direction": "internal",
                        "summary": _("Someone opened %s's referral link", member.name),
                        "landing_url": (landing_url or "")[:2000],
                        "referrer_url": (referrer_url or "")[:2000],
                        "source_id": source.id if source else False,
                    }
                ]
            )
        return member
