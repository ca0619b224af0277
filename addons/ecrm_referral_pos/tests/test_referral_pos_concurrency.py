import odoo
from odoo.tests.common import tagged
from odoo.tools import mute_logger

from odoo.addons.ecrm_referral.tests.race import RaceCase


@tagged("post_install", "-at_install", "ecrm_referral_pos")
class TestReferralPosConcurrency(RaceCase):
    """Two transactions rewarding the same paid shop ticket at the same moment (V3), e.g. the till
    sending the order again while the first synchronisation is still running."""

    @classmethod
    def _make_data(cls, env):
        program, partners = cls._make_network(
            env,
            "Shop race",
            {
                "purchase_rule": "every",
                "level_ids": [(0, 0, {"level": 1, "reward_percent": 10}), (0, 0, {"level": 2, "reward_percent": 5})],
            },
            [("top", None, None), ("middle", None, 0), ("buyer", "shop.race.buyer@example.com", 1)],
        )
        config = env["pos.config"].create({"name": "Shop race till"})
        session = env["pos.session"].create({"config_id": config.id, "user_id": env.uid})
        # Paid without rewards: the two racing transactions below create them.
        order = env["pos.order"].create(
            {
                "session_id": session.id,
                "partner_id": partners[2].id,
                "state": "paid",
                "amount_total": 200.0,
                "amount_tax": 0.0,
                "amount_paid": 200.0,
                "amount_return": 0.0,
            }
        )
        return {
            "program": program.id,
            "partners": partners.ids,
            "order": order.id,
            "session": session.id,
            "config": config.id,
        }

    @classmethod
    def _remove_data(cls, env):
        env["ecrm.referral.reward"].search([("program_id", "=", cls.ids["program"])]).unlink()
        # A paid ticket cannot be edited through the ORM; cancelled, it can be deleted.
        env.cr.execute("UPDATE pos_order SET state = 'cancel' WHERE id = %s", [cls.ids["order"]])
        env["pos.order"].browse(cls.ids["order"]).unlink()
        env["pos.session"].browse(cls.ids["session"]).unlink()
        env["pos.config"].browse(cls.ids["config"]).unlink()
        cls._remove_network(env)

    @mute_logger("odoo.sql_db")
    def test_two_payments_race_one_reward_per_level(self):
        def reward(env):
            return len(env["ecrm.referral.reward"]._create_for_pos_orders([self.ids["order"]]))

        # the first transaction stays open while the second one inserts
        (first, _), (second, _) = self.race((reward, 0.0, 0.5), (reward, 0.0, 0.0))

        with self.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            rewards = env["ecrm.referral.reward"].search([("pos_order_id", "=", self.ids["order"])])
            self.assertEqual(sorted(rewards.mapped("level")), [1, 2], "each level rewarded exactly once")
            self.assertEqual(sorted(rewards.mapped("amount")), [10.0, 20.0])
            self.assertEqual(first + second, 2, "the losing transaction created nothing, without an error")
