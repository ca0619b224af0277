from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import network

REWARD_KINDS = [
    ("credit", "Credit"),
    ("coupon", "Coupon or gift card"),
    ("goods", "Goods"),
    ("service", "More service"),
]


class EcrmReferralProgram(models.Model):
    _name = "ecrm.referral.program"
    _description = "Referral Program"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    program_type = fields.Selection(
        [("viral", "Viral (free)"), ("network", "Network (paid)")],
        string="Type",
        required=True,
        default="network",
        tracking=True,
        help="Viral: members are rewarded when the people they invite sign up (e.g. more service). "
        "Network: members are rewarded on the purchases of the people they brought, over several levels (V1, V3).",
    )
    description = fields.Html(translate=True, help="Shown on the public referral page.")
    level_ids = fields.One2many("ecrm.referral.program.level", "program_id", string="Levels", copy=True)
    depth = fields.Integer(
        compute="_compute_depth",
        store=True,
        help="How many levels of the up-line are rewarded: 1 pays only the direct referrer.",
    )
    reward_kind = fields.Selection(REWARD_KINDS, required=True, default="credit", tracking=True)
    reward_product_id = fields.Many2one(
        "product.product", string="Free Product", help="Goods rewards: the product given on the next order."
    )
    service_description = fields.Char(
        translate=True, help="More-service rewards: what the member gets, e.g. '1 GB more mailbox space'."
    )
    purchase_rule = fields.Selection(
        [("first", "First purchase only"), ("every", "Every purchase")],
        required=True,
        default="first",
        help="Which purchases of a referred customer earn rewards.",
    )
    minimum_amount = fields.Monetary(help="Orders below this untaxed amount earn nothing.")
    hold_days = fields.Integer(
        string="Hold Period (days)",
        default=14,
        help="Rewards stay pending this long, until the refund window closes; a refund or cancellation "
        "inside it cancels them.",
    )
    approval = fields.Selection(
        [("auto", "Automatic after the hold"), ("manual", "Manual")],
        required=True,
        default="auto",
    )
    cap_per_referrer = fields.Monetary(
        string="Cap per Referrer", help="Most one member can earn per period from this program; 0: no cap."
    )
    cap_period = fields.Selection(
        [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")], default="month", required=True
    )
    cap_program = fields.Monetary(
        string="Program Budget", help="Most the whole program pays out per period, all members together; 0: no cap."
    )
    signup_reward = fields.Monetary(
        help="Viral programs: paid to the up-line when someone they referred signs up (levels pay their fixed part)."
    )
    risk_threshold = fields.Integer(
        default=50,
        help="Referrals scoring this much or more are flagged: their rewards wait for review instead of "
        "being approved automatically.",
    )
    ip_burst_limit = fields.Integer(
        string="Referrals per IP per Hour",
        default=5,
        help="More referrals than this from one IP address within an hour are flagged as a burst; 0: no check.",
    )
    member_ids = fields.One2many("res.partner", "referral_program_id", string="Members")
    member_count = fields.Integer(compute="_compute_statistics")
    referral_count = fields.Integer(string="Sign-ups", compute="_compute_statistics")
    invitation_count = fields.Integer(string="Invitations Sent", compute="_compute_statistics")
    first_purchase_count = fields.Integer(string="First Purchases", compute="_compute_statistics")
    viral_coefficient = fields.Float(
        string="Viral Coefficient (K)",
        compute="_compute_statistics",
        digits=(6, 3),
        help="Invitations per member times the share of invitations that became sign-ups. Above 1, "
        "the program grows by itself (V6).",
    )
    cycle_time_days = fields.Float(
        string="Cycle Time (days)",
        compute="_compute_statistics",
        digits=(6, 1),
        help="Median days between a member joining and the first person they referred joining.",
    )
    generation_count = fields.Integer(string="Generations Reached", compute="_compute_statistics")
    referred_revenue = fields.Monetary(string="Revenue from Referrals", compute="_compute_statistics")
    reward_total = fields.Monetary(string="Rewards (not cancelled)", compute="_compute_statistics")

    _sql_constraints = [
        ("hold_days_positive", "CHECK(hold_days >= 0)", "The hold period cannot be negative."),
    ]

    @api.depends("level_ids.level")
    def _compute_depth(self):
        for program in self:
            program.depth = max(program.level_ids.mapped("level") or [0])

    def _compute_statistics(self):
        figures = self._statistics() if self.ids else {}
        for program in self:
            values = figures.get(program.id, {})
            program.member_count = values.get("members", 0)
            program.referral_count = values.get("signups", 0)
            program.invitation_count = values.get("invitations", 0)
            program.first_purchase_count = values.get("first_purchases", 0)
            program.viral_coefficient = network.viral_coefficient(
                values.get("members", 0), values.get("invitations", 0), values.get("signups", 0)
            )
            program.cycle_time_days = values.get("cycle_time", 0.0)
            program.generation_count = values.get("generations", 0)
            program.referred_revenue = values.get("revenue", 0.0)
            program.reward_total = values.get("rewards", 0.0)

    @api.model
    def _purchases_sql(self):
        """The purchases the analytics count (V6), as rows ``(partner_id, amount)`` untaxed, refunds
        negative: confirmed sale orders here; glue addons add their channels (ecrm_referral_pos: paid
        shop tickets)."""
        return SQL("SELECT partner_id, amount_untaxed AS amount FROM sale_order WHERE state = 'sale'")

    def _statistics(self):
        """Spread figures of the programs (V6), one SQL statement for all of them."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT pg.id,
                       (SELECT count(*) FROM res_partner p WHERE p.referral_program_id = pg.id) AS members,
                       (SELECT count(*) FROM ecrm_referral r WHERE r.program_id = pg.id) AS signups,
                       (SELECT count(*) FROM ecrm_referral_invitation i
                         WHERE i.program_id = pg.id AND i.state IN ('sent', 'joined')) AS invitations,
                       (SELECT count(DISTINCT r.partner_id) FROM ecrm_referral r
                          JOIN (%(purchases)s) so ON so.partner_id = r.partner_id AND so.amount > 0
                         WHERE r.program_id = pg.id) AS first_purchases,
                       (SELECT COALESCE(sum(so.amount), 0) FROM ecrm_referral r
                          JOIN (%(purchases)s) so ON so.partner_id = r.partner_id
                         WHERE r.program_id = pg.id) AS revenue,
                       (SELECT COALESCE(max(r.generation), 0) FROM ecrm_referral r
                         WHERE r.program_id = pg.id) AS generations,
                       (SELECT COALESCE(sum(w.amount), 0) FROM ecrm_referral_reward w
                         WHERE w.program_id = pg.id AND w.state != 'cancelled') AS rewards,
                       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY delay)
                          FROM (SELECT EXTRACT(EPOCH FROM min(child.date) - COALESCE(parent.date, pp.create_date))
                                       / 86400.0 AS delay
                                  FROM ecrm_referral child
                                  JOIN res_partner pp ON pp.id = child.referrer_id
                             LEFT JOIN ecrm_referral parent ON parent.partner_id = child.referrer_id
                                 WHERE child.program_id = pg.id
                              GROUP BY child.referrer_id, parent.date, pp.create_date) d) AS cycle_time
                  FROM ecrm_referral_program pg
                 WHERE pg.id = ANY(%(programs)s)
                """,
                purchases=self._purchases_sql(),
                programs=self.ids,
            )
        )
        names = [col.name for col in self.env.cr.description]
        result = {}
        for row in self.env.cr.fetchall():
            values = dict(zip(names, row, strict=True))
            values["cycle_time"] = round(max(values["cycle_time"] or 0.0, 0.0), 1)
            result[values.pop("id")] = values
        return result

    @api.constrains("program_type", "level_ids", "signup_reward")
    def _check_levels(self):
        for program in self:
            if program.program_type == "network" and not program.level_ids:
                raise ValidationError(
                    _("Network program %s needs at least one level: say what level 1 (the direct referrer) earns.")
                    % program.name
                )

    def action_open_members(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Members"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("referral_program_id", "=", self.id)],
            "context": {"default_referral_program_id": self.id},
        }

    def action_open_referrals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_referral.ecrm_referral_action")
        action["domain"] = [("program_id", "=", self.id)]
        return action

    def action_open_rewards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_referral.ecrm_referral_reward_action")
        action["domain"] = [("program_id", "=", self.id)]
        return action

    def _level_table(self):
        """``{level: (percent, fixed)}`` of the program, for the pure reward maths."""
        self.ensure_one()
        return {line.level: (line.reward_percent, line.reward_fixed) for line in self.level_ids}

    def _best_referrers(self, limit=5):
        """``[(partner, referrals, revenue)]`` of the members who brought the most, best first."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT r.referrer_id, count(DISTINCT r.id), COALESCE(sum(so.amount), 0)
                  FROM ecrm_referral r
             LEFT JOIN (%(purchases)s) so ON so.partner_id = r.partner_id
                 WHERE r.program_id = %(program)s
              GROUP BY r.referrer_id
              ORDER BY 2 DESC, 3 DESC
                 LIMIT %(limit)s
                """,
                purchases=self._purchases_sql(),
                program=self.id,
                limit=limit,
            )
        )
        rows = self.env.cr.fetchall()
        partners = self.env["res.partner"].browse([row[0] for row in rows]).sudo()
        return [(partners.browse(pid), count, revenue) for pid, count, revenue in rows]

    def _best_referrers_text(self):
        return ", ".join("%s (%s)" % (partner.name, count) for partner, count, _revenue in self._best_referrers())

    @api.model
    def _cron_send_report(self):
        """Mail each active program's figures to the eCRM managers of its company (V6)."""
        template = self.env.ref("ecrm_referral.mail_template_referral_report")
        managers = self.env.ref("ecrm_core.group_ecrm_manager").sudo().users
        for program in self.sudo().search([]):
            recipients = managers.filtered(lambda u, p=program: p.company_id in u.company_ids).partner_id
            if recipients:
                template.send_mail(program.id, email_values={"recipient_ids": [(6, 0, recipients.ids)]})
