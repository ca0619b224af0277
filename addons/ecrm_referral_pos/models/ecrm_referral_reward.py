from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.ecrm_referral.models.ecrm_referral_reward import REWARD_COLUMNS

# The states of a POS order that has been paid (and maybe posted or invoiced since).
PAID_STATES = ("paid", "done", "invoiced")


class EcrmReferralReward(models.Model):
    _inherit = "ecrm.referral.reward"

    pos_order_id = fields.Many2one(
        "pos.order",
        string="POS Order",
        ondelete="cascade",
        index="btree_not_null",
        readonly=True,
        help="The shop (point of sale) purchase of the referred customer this reward is for.",
    )

    def init(self):
        super().init()
        # The never-twice guarantee for shop purchases: one reward per (referral, POS order, level),
        # whatever the number of times or transactions the order is synchronised in.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS ecrm_referral_reward_pos_order_uniq
                ON ecrm_referral_reward (referral_id, pos_order_id, level) WHERE pos_order_id IS NOT NULL
            """
        )

    @api.model
    def _create_for_pos_orders(self, pos_order_ids):
        """Reward the up-line of the referred customers of paid POS orders, all levels in one statement.

        The same rules as for sale orders (:meth:`_create_for_orders`): network programs only, the
        untaxed amount against the program's minimum, first purchase (online or in a shop) or every
        purchase, the hold period, the review of risky referrals and then the caps. Refunds (negative
        totals) earn nothing. Returns the new rewards.
        """
        if not pos_order_ids:
            return self.browse()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO ecrm_referral_reward (%(columns)s, pos_order_id)
                SELECT r.id, r.partner_id, NULL, a.level, a.ancestor, pg.id, pg.company_id, c.currency_id,
                       po.amount_total - po.amount_tax,
                       ROUND(((po.amount_total - po.amount_tax) * lv.reward_percent / 100.0
                              + COALESCE(lv.reward_fixed, 0))::numeric, 2),
                       pg.reward_kind, 'purchase', 'pending', r.risk_score >= pg.risk_threshold AND r.risk_score > 0,
                       %(now)s + make_interval(days => pg.hold_days), %(uid)s, %(uid)s, %(now)s, %(now)s, po.id
                  FROM pos_order po
                  JOIN ecrm_referral r ON r.partner_id = po.partner_id
                  JOIN ecrm_referral_program pg ON pg.id = r.program_id AND pg.active AND pg.program_type = 'network'
                  JOIN res_company c ON c.id = pg.company_id
                 CROSS JOIN LATERAL unnest(r.ancestor_path[1:pg.depth]) WITH ORDINALITY AS a(ancestor, level)
                  JOIN ecrm_referral_program_level lv ON lv.program_id = pg.id AND lv.level = a.level
                 WHERE po.id = ANY(%(orders)s)
                   AND po.state IN %(paid)s
                   AND po.amount_total > 0
                   AND po.amount_total - po.amount_tax >= COALESCE(pg.minimum_amount, 0)
                   AND (pg.purchase_rule = 'every' OR (
                        NOT EXISTS (
                            SELECT 1 FROM pos_order earlier
                             WHERE earlier.partner_id = po.partner_id AND earlier.state IN %(paid)s
                               AND earlier.amount_total > 0
                               AND (earlier.date_order, earlier.id) < (po.date_order, po.id))
                        AND NOT EXISTS (
                            SELECT 1 FROM sale_order so
                             WHERE so.partner_id = po.partner_id AND so.state = 'sale'
                               AND so.date_order <= po.date_order)))
                 ORDER BY r.id, po.id, a.level
                ON CONFLICT (referral_id, pos_order_id, level) WHERE pos_order_id IS NOT NULL DO NOTHING
                RETURNING id
                """,
                columns=REWARD_COLUMNS,
                now=fields.Datetime.now(),
                uid=self.env.uid,
                orders=list(pos_order_ids),
                paid=PAID_STATES,
            )
        )
        rewards = self.browse([row[0] for row in self.env.cr.fetchall()])
        rewards._apply_caps()
        return rewards

    @api.model
    def _earlier_purchase_sql(self):
        """A paid shop ticket before a sale order makes it not the customer's first purchase."""
        return SQL(
            """(%s OR EXISTS (
                SELECT 1 FROM pos_order earlier_pos
                 WHERE earlier_pos.partner_id = so.partner_id AND earlier_pos.state IN %s
                   AND earlier_pos.amount_total > 0 AND earlier_pos.date_order <= so.date_order))""",
            super()._earlier_purchase_sql(),
            PAID_STATES,
        )

    @api.model
    def _cancel_for_pos_orders(self, pos_order_ids, reason):
        """Cancel the pending rewards of refunded POS orders; approved ones are left to staff."""
        rewards = self.sudo().search([("pos_order_id", "in", list(pos_order_ids)), ("state", "=", "pending")])
        if rewards:
            rewards.write({"state": "cancelled", "cancel_reason": reason})
        return rewards
