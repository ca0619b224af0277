import odoo
from odoo.tests.common import tagged
from odoo.tools import mute_logger

from .race import RaceCase

CHAIN = [("top", None, None), ("middle", None, 0), ("buyer", "race.buyer@example.com", 1)]


@tagged("post_install", "-at_install", "ecrm_referral")
class TestReferralConcurrency(RaceCase):
    """Two transactions confirming the rewards of the same order at the same moment (V3)."""

    @classmethod
    def _make_data(cls, env):
        program, partners = cls._make_network(
            env,
            "Race",
            {
                "purchase_rule": "every",
                "level_ids": [(0, 0, {"level": 1, "reward_percent": 10}), (0, 0, {"level": 2, "reward_percent": 5})],
            },
            CHAIN,
        )
        product = env["product.product"].create({"name": "Race product"})
        order = env["sale.order"].create(
            {"partner_id": partners[2].id, "order_line": [(0, 0, {"product_id": product.id, "price_unit": 100})]}
        )
        # Confirmed without rewards: the two racing transactions below create them.
        order.write({"state": "sale"})
        return {"program": program.id, "partners": partners.ids, "order": order.id, "product": product.id}

    @classmethod
    def _remove_data(cls, env):
        order = env["sale.order"].browse(cls.ids["order"])
        env["ecrm.referral.reward"].search([("program_id", "=", cls.ids["program"])]).unlink()
        order.write({"state": "cancel"})
        order.unlink()
        cls._remove_network(env)
        env["product.product"].browse(cls.ids["product"]).unlink()

    @mute_logger("odoo.sql_db")
    def test_two_confirmations_race_one_reward_per_level(self):
        # The loser's insert waits for the winner, then hits a serialization failure (or finds the
        # rows) and is retried; it rewards nothing.
        def confirm(env):
            return len(env["ecrm.referral.reward"]._create_for_orders([self.ids["order"]]))

        # the first transaction stays open while the second one inserts
        (first, _), (second, _) = self.race((confirm, 0.0, 0.5), (confirm, 0.0, 0.0))

        with self.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            rewards = env["ecrm.referral.reward"].search([("order_id", "=", self.ids["order"])])
            self.assertEqual(sorted(rewards.mapped("level")), [1, 2], "each level rewarded exactly once")
            self.assertEqual(first + second, 2, "the losing transaction created nothing, without an error")


@tagged("post_install", "-at_install", "ecrm_referral")
class TestReferralCapConcurrency(RaceCase):
    """Two orders of two friends of the same referrer confirmed at the same moment: the cap per
    referrer still holds (V3)."""

    @classmethod
    def _make_data(cls, env):
        program, partners = cls._make_network(
            env,
            "Cap race",
            {
                "purchase_rule": "every",
                "cap_per_referrer": 15,
                "cap_period": "month",
                "level_ids": [(0, 0, {"level": 1, "reward_percent": 10})],
            },
            [
                ("referrer", None, None),
                ("friend 1", "cap.race.1@example.com", 0),
                ("friend 2", "cap.race.2@example.net", 0),
            ],
        )
        product = env["product.product"].create({"name": "Cap race product"})
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": buyer.id,
                    "order_line": [(0, 0, {"product_id": product.id, "price_unit": 100, "tax_id": [(5, 0, 0)]})],
                }
                for buyer in partners[1:]
            ]
        )
        # Confirmed without rewards: the two racing transactions below create them.
        orders.write({"state": "sale"})
        return {
            "program": program.id,
            "referrer": partners[0].id,
            "partners": partners.ids,
            "orders": orders.ids,
            "product": product.id,
        }

    @classmethod
    def _remove_data(cls, env):
        orders = env["sale.order"].browse(cls.ids["orders"])
        env["ecrm.referral.reward"].search([("program_id", "=", cls.ids["program"])]).unlink()
        orders.write({"state": "cancel"})
        orders.unlink()
        cls._remove_network(env)
        env["product.product"].browse(cls.ids["product"]).unlink()

    @mute_logger("odoo.sql_db")
    def test_two_orders_race_the_cap_per_referrer(self):
        first_order, second_order = self.ids["orders"]

        def confirm(order_id):
            return lambda env: env["ecrm.referral.reward"]._create_for_orders([order_id]).mapped("amount")

        # Both transactions take their snapshot before either commits: each alone sees an untouched
        # cap of 15 and would grant its full 10. The first stays open while the second one counts.
        (first, first_retries), (second, second_retries) = self.race(
            (confirm(first_order), 0.0, 1.0), (confirm(second_order), 0.3, 0.0)
        )

        with self.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            rewards = env["ecrm.referral.reward"].search(
                [("partner_id", "=", self.ids["referrer"]), ("state", "!=", "cancelled")], order="id"
            )
            self.assertEqual(len(rewards), 2)
            self.assertEqual(sum(rewards.mapped("amount")), 15.0, "the cap per referrer holds across transactions")
            self.assertEqual(rewards.mapped("capped"), [False, True])
            self.assertEqual(rewards.mapped("order_id").ids, [first_order, second_order])
            self.assertEqual(sorted(first + second), [5.0, 10.0])
            self.assertEqual(
                (first_retries, second_retries), (0, 1), "the second transaction waited, then retried once"
            )
