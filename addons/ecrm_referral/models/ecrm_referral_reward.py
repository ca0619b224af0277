import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .ecrm_referral_program import REWARD_KINDS

_logger = logging.getLogger(__name__)

STATES = [("pending", "Pending"), ("approved", "Approved"), ("paid", "Paid"), ("cancelled", "Cancelled")]
# Columns written by the set-based reward statements.
REWARD_COLUMNS = SQL(
    "referral_id, referred_partner_id, order_id, level, partner_id, program_id, company_id, currency_id, "
    "base_amount, amount, kind, reason, state, needs_review, hold_until, create_uid, write_uid, create_date, write_date"
)
# The columns computed by ``_reward_values_query``, in its order; the INSERT adds the others, the same on every row.
REWARD_VALUE_COLUMNS = SQL(
    "referral_id, referred_partner_id, order_id, level, partner_id, program_id, company_id, currency_id, "
    "base_amount, amount, kind, needs_review, hold_until"
)
# Memory for sorting one batch of new rewards by their unique key (set for that statement only).
REWARD_WORK_MEM = "64MB"


class EcrmReferralReward(models.Model):
    """The reward ledger (V3). One line per (referral, order, level): the unique constraint makes
    sure the same order never rewards the same up-line level twice, however many times and by
    however many transactions it is confirmed."""

    _name = "ecrm.referral.reward"
    _description = "Referral Reward"
    _inherit = ["mail.thread"]
    _order = "create_date desc, id desc"

    # No single-column index on referral_id, program_id or company_id: the unique (referral, order, level)
    # index serves the lookups by referral, and a program or company matches too many rows for an index to
    # help. Every index is paid on each ledger row written (bench referral_rewards).
    referral_id = fields.Many2one("ecrm.referral", required=True, ondelete="cascade")
    referred_partner_id = fields.Many2one(related="referral_id.partner_id", string="Referred", store=True)
    order_id = fields.Many2one("sale.order", ondelete="cascade", index="btree_not_null")
    level = fields.Integer(required=True, default=1, help="1: the direct referrer; 2: their referrer; and so on.")
    partner_id = fields.Many2one(
        "res.partner", string="Beneficiary", required=True, ondelete="cascade", index=True, tracking=True
    )
    program_id = fields.Many2one("ecrm.referral.program", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True)
    currency_id = fields.Many2one("res.currency", required=True)
    base_amount = fields.Monetary(help="Untaxed amount of the referred order the reward was computed on.")
    amount = fields.Monetary(tracking=True)
    kind = fields.Selection(REWARD_KINDS, required=True, default="credit")
    reason = fields.Selection([("purchase", "Purchase"), ("signup", "Sign-up")], required=True, default="purchase")
    state = fields.Selection(STATES, required=True, default="pending", index=True, tracking=True)
    needs_review = fields.Boolean(
        help="The referral looks risky (see its reasons): the reward is not approved automatically."
    )
    risk_reasons = fields.Text(related="referral_id.risk_reasons")
    hold_until = fields.Datetime(help="Pending until then: a refund or cancellation before it cancels the reward.")
    capped = fields.Boolean(help="Cut by the program's cap per referrer or budget.")
    approved_date = fields.Datetime(readonly=True)
    paid_date = fields.Datetime(readonly=True)
    payment_reference = fields.Char(help="Where the reward went: e-wallet, coupon code, credit note...")
    cancel_reason = fields.Char()

    _sql_constraints = [
        (
            "referral_order_level_uniq",
            "unique(referral_id, order_id, level)",
            "This order already rewarded this level of the referral.",
        ),
        ("amount_positive", "CHECK(amount >= 0)", "A reward cannot be negative."),
    ]

    def init(self):
        # Sign-up rewards have no order: one per referral and level (purchase rewards of other sales
        # channels have no sale order either, hence the reason in the predicate). The DROPs remove the indexes
        # of earlier versions from databases that have them (the ORM does not drop an index it no longer declares).
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS ecrm_referral_reward_signup_uniq;
            CREATE UNIQUE INDEX IF NOT EXISTS ecrm_referral_reward_signup_level_uniq
                ON ecrm_referral_reward (referral_id, level) WHERE reason = 'signup';
            DROP INDEX IF EXISTS ecrm_referral_reward__referral_id_index;
            DROP INDEX IF EXISTS ecrm_referral_reward__program_id_index;
            DROP INDEX IF EXISTS ecrm_referral_reward__company_id_index;
            """
        )

    def _compute_display_name(self):
        for reward in self:
            reward.display_name = _("%(partner)s, level %(level)s", partner=reward.partner_id.name, level=reward.level)

    # ------------------------------------------------------------------
    # Set-based creation
    # ------------------------------------------------------------------
    @api.model
    def _reward_values_query(self, order_ids, now=None):
        """The reward computation for confirmed orders, as one SELECT (V3).

        It yields one row per (order, up-line level) that earns a reward, with the columns of
        ``REWARD_VALUE_COLUMNS``, under all the program's rules: active network program, the program's
        depth and levels, minimum amount, first purchase or every purchase, the risk threshold
        and the hold period (from ``now``, default the current time). The columns that are the same on
        every row (reason, state, author and dates) are added by the INSERT (:meth:`_create_for_orders`).
        Each buyer's up-line is read from the stored ancestor path of their referral, so all levels
        cost one join, not one join per level.

        Per row, the work is kept small (bench referral_rewards):

        - each program's levels are read once, as arrays (levels, percents, fixed amounts, in the
          order of the levels), and unnested with each order: a reward row is a level of the program
          that the buyer's up-line reaches, its beneficiary the up-line's element at that level;
          no join to the levels per row;
        - the amount is the same float arithmetic as ``untaxed * percent / 100.0 + fixed`` (the untaxed
          amount and the fixed amount are converted to float once per order and per program), rounded
          to 2 decimals;
        - the orders and their referrals are joined first, in a subquery that the planner keeps apart
          (``OFFSET 0``): otherwise it joins the (small) program table to all the referrals first
          and hashes every program column with each of them;
        - the qualifying orders are sorted by (referral, order) before they are unnested, so the rows
          come out in the order of the ledger's unique key (referral, order, level) without sorting
          the reward rows (four times as many).

        ``_create_for_orders`` inserts exactly these rows; the bench times this query against a
        single-level join of the same form.
        """
        return SQL(
            """
            SELECT x.referral_id, x.referred_id, x.order_id, x.level, x.up_line[x.level], x.program_id,
                   x.company_id, x.currency_id, x.amount_untaxed,
                   ROUND((x.untaxed * x.percent / 100.0 + x.fixed)::numeric, 2),
                   x.reward_kind, x.needs_review, x.hold_until
              FROM (SELECT b.*, unnest(b.levels) AS level, unnest(b.percents) AS percent, unnest(b.fixeds) AS fixed
                      FROM (SELECT so.referral_id, so.referred_id, so.id AS order_id,
                                   so.ancestor_path[1:pg.depth] AS up_line, pg.id AS program_id, pg.company_id,
                                   so.currency_id, so.amount_untaxed, so.amount_untaxed::float8 AS untaxed,
                                   pg.reward_kind, lv.levels, lv.percents, lv.fixeds,
                                   so.risk_score >= pg.risk_threshold AND so.risk_score > 0 AS needs_review,
                                   %(now)s + make_interval(days => pg.hold_days) AS hold_until
                              FROM (SELECT so.id, so.partner_id, so.date_order, so.currency_id, so.amount_untaxed,
                                           r.id AS referral_id, r.partner_id AS referred_id, r.program_id,
                                           r.ancestor_path, r.risk_score
                                      FROM sale_order so
                                      JOIN ecrm_referral r ON r.partner_id = so.partner_id
                                     WHERE so.id = ANY(%(orders)s) AND so.state = 'sale'
                                    OFFSET 0) so
                              JOIN ecrm_referral_program pg
                                ON pg.id = so.program_id AND pg.active AND pg.program_type = 'network'
                              JOIN (SELECT program_id,
                                           array_agg(level ORDER BY level) AS levels,
                                           array_agg(reward_percent ORDER BY level) AS percents,
                                           array_agg(COALESCE(reward_fixed, 0)::float8 ORDER BY level) AS fixeds
                                      FROM ecrm_referral_program_level
                                     GROUP BY program_id) lv ON lv.program_id = pg.id
                             WHERE so.amount_untaxed >= COALESCE(pg.minimum_amount, 0)
                               AND (pg.purchase_rule = 'every' OR NOT %(earlier_purchase)s)
                             ORDER BY so.referral_id, so.id) b) x
             WHERE x.level <= cardinality(x.up_line)
            """,
            now=now or fields.Datetime.now(),
            orders=list(order_ids),
            earlier_purchase=self._earlier_purchase_sql(),
        )

    @api.model
    def _earlier_purchase_sql(self):
        """SQL condition, over the confirmed sale order ``so``, true when its customer bought before it.

        A "first purchase only" program rewards an order only when this is false. Glue addons add
        their own channels (ecrm_referral_pos: paid shop tickets)."""
        return SQL(
            """EXISTS (
                SELECT 1 FROM sale_order earlier
                 WHERE earlier.partner_id = so.partner_id AND earlier.state = 'sale'
                   AND (earlier.date_order, earlier.id) < (so.date_order, so.id))"""
        )

    @api.model
    def _create_for_orders(self, order_ids):
        """Reward the up-line of the referred customers of confirmed orders, all levels in one statement.

        Inserts the rows of :meth:`_reward_values_query`. Orders that earn nothing (no referral,
        below the minimum, not the first purchase of a first-purchase program) are skipped.
        Returns the new rewards.

        The rows go in in the order of the unique key (referral, order, level), so the unique
        index is filled in order; ``work_mem`` is raised for this statement only so that the sort
        of the orders of a large batch stays in memory.
        """
        if not order_ids:
            return self.browse()
        self.env.flush_all()
        self.env.cr.execute("SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [REWARD_WORK_MEM])
        work_mem = self.env.cr.fetchone()[0]
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO ecrm_referral_reward
                       (%(columns)s, reason, state, create_uid, write_uid, create_date, write_date)
                SELECT rewards.*, 'purchase', 'pending', %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM (%(rewards)s) rewards
                ON CONFLICT (referral_id, order_id, level) DO NOTHING
                RETURNING id
                """,
                columns=REWARD_VALUE_COLUMNS,
                rewards=self._reward_values_query(order_ids, now=now),
                uid=self.env.uid,
                now=now,
            )
        )
        rewards = self.browse([row[0] for row in self.env.cr.fetchall()])
        self.env.cr.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        rewards._apply_caps()
        return rewards

    @api.model
    def _create_for_signups(self, referrals):
        """Viral programs: reward the up-line of people who just signed up (level fixed amounts,
        the program's sign-up reward for level 1 when the levels say nothing)."""
        if not referrals:
            return self.browse()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO ecrm_referral_reward (%(columns)s)
                SELECT r.id, r.partner_id, NULL, a.level, a.ancestor, pg.id, pg.company_id, c.currency_id, 0,
                       CASE WHEN a.level = 1 THEN GREATEST(COALESCE(lv.reward_fixed, 0), COALESCE(pg.signup_reward, 0))
                            ELSE COALESCE(lv.reward_fixed, 0) END,
                       pg.reward_kind, 'signup', 'pending', r.risk_score >= pg.risk_threshold AND r.risk_score > 0,
                       %(now)s + make_interval(days => pg.hold_days), %(uid)s, %(uid)s, %(now)s, %(now)s
                  FROM ecrm_referral r
                  JOIN ecrm_referral_program pg ON pg.id = r.program_id
                  JOIN res_company c ON c.id = pg.company_id
                 CROSS JOIN LATERAL unnest(r.ancestor_path[1:GREATEST(pg.depth, 1)])
                       WITH ORDINALITY AS a(ancestor, level)
             LEFT JOIN ecrm_referral_program_level lv ON lv.program_id = pg.id AND lv.level = a.level
                 WHERE r.id = ANY(%(referrals)s)
                   AND (COALESCE(lv.reward_fixed, 0) > 0 OR (a.level = 1 AND COALESCE(pg.signup_reward, 0) > 0))
                ON CONFLICT (referral_id, level) WHERE reason = 'signup' DO NOTHING
                RETURNING id
                """,
                columns=REWARD_COLUMNS,
                now=fields.Datetime.now(),
                uid=self.env.uid,
                referrals=referrals.ids,
            )
        )
        rewards = self.browse([row[0] for row in self.env.cr.fetchall()])
        rewards._apply_caps()
        return rewards

    def _apply_caps(self):
        """Cut new rewards to the program's cap per referrer and budget per period, in one statement,
        after locking the capped programs so that concurrent transactions count each other's rewards.

        Running totals go in the order the rewards were created: the first rewards of a period
        are paid in full, the one crossing the cap is cut, the later ones get nothing (and are
        cancelled). Same rule as :func:`tools.network.apply_cap`.
        """
        if not self:
            return
        # Serialise the transactions that reward the same capped program: each one writes the
        # program row (a no-op update) before counting what was already earned. A second
        # transaction waits for the first; under Odoo's REPEATABLE READ it then fails with a
        # serialization error, and the retry (odoo.service.model.retrying, for requests and crons)
        # counts the first one's rewards. Without this, two orders confirmed at the same moment
        # would both see the cap untouched and both be paid in full.
        self.env.cr.execute(
            SQL(
                """
                UPDATE ecrm_referral_program pg SET write_date = pg.write_date
                  FROM (SELECT id FROM ecrm_referral_program
                         WHERE id IN (SELECT program_id FROM ecrm_referral_reward WHERE id = ANY(%(ids)s))
                           AND (cap_per_referrer > 0 OR cap_program > 0)
                         ORDER BY id
                           FOR NO KEY UPDATE) locked
                 WHERE pg.id = locked.id
             RETURNING pg.id
                """,
                ids=self.ids,
            )
        )
        if not self.env.cr.fetchall():
            return
        self.env.cr.execute(
            SQL(
                """
                WITH fresh AS (
                    SELECT w.id, w.amount, pg.cap_per_referrer, pg.cap_program,
                           (SELECT COALESCE(sum(o.amount), 0) FROM ecrm_referral_reward o
                             WHERE o.partner_id = w.partner_id AND o.program_id = w.program_id
                               AND o.state != 'cancelled' AND o.id != ALL(%(ids)s)
                               AND o.create_date >= date_trunc(pg.cap_period, %(now)s::timestamp))
                           + COALESCE(sum(w.amount) OVER (PARTITION BY w.partner_id, w.program_id ORDER BY w.id
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS earned_member,
                           (SELECT COALESCE(sum(o.amount), 0) FROM ecrm_referral_reward o
                             WHERE o.program_id = w.program_id
                               AND o.state != 'cancelled' AND o.id != ALL(%(ids)s)
                               AND o.create_date >= date_trunc(pg.cap_period, %(now)s::timestamp))
                           + COALESCE(sum(w.amount) OVER (PARTITION BY w.program_id ORDER BY w.id
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS earned_program
                      FROM ecrm_referral_reward w
                      JOIN ecrm_referral_program pg ON pg.id = w.program_id
                     WHERE w.id = ANY(%(ids)s) AND (pg.cap_per_referrer > 0 OR pg.cap_program > 0)
                ), capped AS (
                    SELECT id, amount,
                           GREATEST(0, LEAST(amount,
                                CASE WHEN cap_per_referrer > 0 THEN cap_per_referrer - earned_member ELSE amount END,
                                CASE WHEN cap_program > 0 THEN cap_program - earned_program ELSE amount END)) AS granted
                      FROM fresh
                )
                UPDATE ecrm_referral_reward w
                   SET amount = c.granted, capped = true,
                       state = CASE WHEN c.granted = 0 THEN 'cancelled' ELSE w.state END,
                       cancel_reason = CASE WHEN c.granted = 0 THEN %(why)s ELSE w.cancel_reason END
                  FROM capped c
                 WHERE w.id = c.id AND c.granted < c.amount
                """,
                ids=self.ids,
                now=fields.Datetime.now(),
                why=_("Cap reached"),
            )
        )
        self.invalidate_recordset()

    @api.model
    def _cancel_for_orders(self, order_ids, reason):
        """Cancel the pending rewards of refunded or cancelled orders; approved ones are left to staff."""
        rewards = self.sudo().search([("order_id", "in", list(order_ids)), ("state", "=", "pending")])
        if rewards:
            rewards.write({"state": "cancelled", "cancel_reason": reason})
        return rewards

    # ------------------------------------------------------------------
    # Approval and payment
    # ------------------------------------------------------------------
    @api.model
    def _cron_approve(self):
        """Approve the pending rewards whose hold period is over (automatic programs, not flagged), then pay them."""
        rewards = self.sudo().search(
            [
                ("state", "=", "pending"),
                ("needs_review", "=", False),
                ("hold_until", "<=", fields.Datetime.now()),
                ("program_id.approval", "=", "auto"),
            ]
        )
        rewards._approve()
        return rewards

    def _approve(self):
        if not self:
            return
        self.write({"state": "approved", "approved_date": fields.Datetime.now()})
        self._pay()

    def _pay(self):
        """Hand approved rewards over. Glue addons pay credit and coupons (ecrm_referral_loyalty);
        more-service rewards are recorded on the member here. Goods and other kinds stay approved
        until staff mark them paid."""
        services = self.filtered(lambda r: r.state == "approved" and r.kind == "service")
        for reward in services:
            reward.partner_id.message_post(
                body=_(
                    "Referral reward: %(what)s", what=reward.program_id.service_description or reward.program_id.name
                ),
                subtype_xmlid="mail.mt_note",
            )
        services.write({"state": "paid", "paid_date": fields.Datetime.now()})

    def action_approve(self):
        if self.filtered(lambda r: r.state != "pending"):
            raise UserError(_("Only pending rewards can be approved."))
        self._approve()

    def action_mark_paid(self):
        if self.filtered(lambda r: r.state != "approved"):
            raise UserError(_("Only approved rewards can be marked paid."))
        self.write({"state": "paid", "paid_date": fields.Datetime.now()})

    def action_cancel(self):
        if self.filtered(lambda r: r.state == "paid"):
            raise UserError(_("A paid reward cannot be cancelled; book a correction instead."))
        self.write({"state": "cancelled", "cancel_reason": _("Cancelled by %s", self.env.user.name)})

    @api.model
    def _demo_settle(self, order_id):
        """Demo data: the rewards of one order went through the hold, were approved, and level 1 was paid."""
        rewards = self.search([("order_id", "=", order_id), ("state", "=", "pending")])
        rewards.write({"hold_until": fields.Datetime.now()})
        rewards.action_approve()
        rewards.filtered(lambda r: r.level == 1 and r.state == "approved").action_mark_paid()
