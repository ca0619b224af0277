import threading
import time
from concurrent.futures import ThreadPoolExecutor

import odoo
from odoo.modules.registry import Registry
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install", "ecrm_referral")
class TestReferralConcurrency(BaseCase):
    """Two transactions confirming the rewards of the same order at the same moment (V3).

    The data is committed (other connections must see it) and removed afterwards.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls.clean_up)
        with cls.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            program = env["ecrm.referral.program"].create(
                {
                    "name": "Race program",
                    "purchase_rule": "every",
                    "level_ids": [
                        (0, 0, {"level": 1, "reward_percent": 10}),
                        (0, 0, {"level": 2, "reward_percent": 5}),
                    ],
                }
            )
            top, middle, buyer = env["res.partner"].create(
                [
                    {"name": "Race top", "referral_program_id": program.id},
                    {"name": "Race middle", "referral_program_id": program.id},
                    {"name": "Race buyer", "email": "race.buyer@example.com"},
                ]
            )
            env["ecrm.referral"].create(
                [
                    {"partner_id": middle.id, "referrer_id": top.id, "program_id": program.id},
                    {"partner_id": buyer.id, "referrer_id": middle.id, "program_id": program.id},
                ]
            )
            product = env["product.product"].create({"name": "Race product"})
            order = env["sale.order"].create(
                {"partner_id": buyer.id, "order_line": [(0, 0, {"product_id": product.id, "price_unit": 100})]}
            )
            # Confirmed without rewards: the two racing transactions below create them.
            order.write({"state": "sale"})
            cls.ids = {
                "program": program.id,
                "partners": (top | middle | buyer).ids,
                "order": order.id,
                "product": product.id,
            }

    @classmethod
    def clean_up(cls):
        with cls.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            order = env["sale.order"].browse(cls.ids["order"])
            env["ecrm.referral.reward"].search([("program_id", "=", cls.ids["program"])]).unlink()
            order.write({"state": "cancel"})
            order.unlink()
            env["ecrm.referral"].search([("program_id", "=", cls.ids["program"])]).unlink()
            env["ecrm.touchpoint"].search([("partner_id", "in", cls.ids["partners"])]).unlink()
            env["res.partner"].browse(cls.ids["partners"]).write({"referral_program_id": False})
            env["ecrm.referral.program"].browse(cls.ids["program"]).unlink()
            env["res.partner"].browse(cls.ids["partners"]).unlink()
            env["product.product"].browse(cls.ids["product"]).unlink()

    @mute_logger("odoo.sql_db")
    def test_two_confirmations_race_one_reward_per_level(self):
        barrier = threading.Barrier(2)
        # Environments are made here: the registry lock is held by this thread while tests run.
        cursors = [self.registry.cursor(), self.registry.cursor()]
        envs = [odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}) for cr in cursors]

        def confirm(env, pause):
            barrier.wait(timeout=10)

            # As Odoo does for requests and crons (odoo.service.model.retrying, which cannot run here
            # because it reloads the registry): the loser's insert waits for the winner, then hits a
            # serialization failure (or finds the rows) and is retried; it rewards nothing.
            for _attempt in range(5):
                try:
                    created = env["ecrm.referral.reward"]._create_for_orders([self.ids["order"]])
                    time.sleep(pause)  # keep the first transaction open while the second one inserts
                    env.cr.commit()
                    return len(created)
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    env.cr.rollback()
                    env.transaction.clear()
            raise AssertionError("the losing transaction never got through")

        try:
            with ThreadPoolExecutor(max_workers=2) as executor:
                first = executor.submit(confirm, envs[0], 0.5)
                second = executor.submit(confirm, envs[1], 0.0)
                created = first.result(timeout=30) + second.result(timeout=30)
        finally:
            for cr in cursors:
                cr.close()

        with self.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            rewards = env["ecrm.referral.reward"].search([("order_id", "=", self.ids["order"])])
            self.assertEqual(sorted(rewards.mapped("level")), [1, 2], "each level rewarded exactly once")
            self.assertEqual(created, 2, "the losing transaction created nothing, without an error")


@tagged("post_install", "-at_install", "ecrm_referral")
class TestReferralCapConcurrency(BaseCase):
    """Two orders of two friends of the same referrer confirmed at the same moment: the cap per
    referrer still holds (V3). Committed data, removed afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls.clean_up)
        with cls.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            program = env["ecrm.referral.program"].create(
                {
                    "name": "Capped race program",
                    "purchase_rule": "every",
                    "cap_per_referrer": 15,
                    "cap_period": "month",
                    "level_ids": [(0, 0, {"level": 1, "reward_percent": 10})],
                }
            )
            referrer, first, second = env["res.partner"].create(
                [
                    {"name": "Cap race referrer", "referral_program_id": program.id},
                    {"name": "Cap race friend 1", "email": "cap.race.1@example.com"},
                    {"name": "Cap race friend 2", "email": "cap.race.2@example.net"},
                ]
            )
            env["ecrm.referral"].create(
                [
                    {"partner_id": first.id, "referrer_id": referrer.id, "program_id": program.id},
                    {"partner_id": second.id, "referrer_id": referrer.id, "program_id": program.id},
                ]
            )
            product = env["product.product"].create({"name": "Cap race product"})
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": buyer.id,
                        "order_line": [(0, 0, {"product_id": product.id, "price_unit": 100, "tax_id": [(5, 0, 0)]})],
                    }
                    for buyer in (first, second)
                ]
            )
            # Confirmed without rewards: the two racing transactions below create them.
            orders.write({"state": "sale"})
            cls.ids = {
                "program": program.id,
                "referrer": referrer.id,
                "partners": (referrer | first | second).ids,
                "orders": orders.ids,
                "product": product.id,
            }

    @classmethod
    def clean_up(cls):
        with cls.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            orders = env["sale.order"].browse(cls.ids["orders"])
            env["ecrm.referral.reward"].search([("program_id", "=", cls.ids["program"])]).unlink()
            orders.write({"state": "cancel"})
            orders.unlink()
            env["ecrm.referral"].search([("program_id", "=", cls.ids["program"])]).unlink()
            env["ecrm.touchpoint"].search([("partner_id", "in", cls.ids["partners"])]).unlink()
            env["res.partner"].browse(cls.ids["partners"]).write({"referral_program_id": False})
            env["ecrm.referral.program"].browse(cls.ids["program"]).unlink()
            env["res.partner"].browse(cls.ids["partners"]).unlink()
            env["product.product"].browse(cls.ids["product"]).unlink()

    @mute_logger("odoo.sql_db")
    def test_two_orders_race_the_cap_per_referrer(self):
        cursors = [self.registry.cursor(), self.registry.cursor()]
        envs = [odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}) for cr in cursors]
        barrier = threading.Barrier(2)
        retries = []

        def confirm(env, order_id, start, pause):
            barrier.wait(timeout=10)
            time.sleep(start)
            for _attempt in range(5):
                try:
                    created = env["ecrm.referral.reward"]._create_for_orders([order_id])
                    amounts = created.mapped("amount")
                    time.sleep(pause)  # the first transaction stays open while the second one counts
                    env.cr.commit()
                    return amounts
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    retries.append(order_id)
                    env.cr.rollback()
                    env.transaction.clear()
            raise AssertionError("the second transaction never got through")

        first_order, second_order = self.ids["orders"]
        try:
            with ThreadPoolExecutor(max_workers=2) as executor:
                # Both transactions take their snapshot before either commits: each alone sees an
                # untouched cap of 15 and would grant its full 10.
                first = executor.submit(confirm, envs[0], first_order, 0.0, 1.0)
                second = executor.submit(confirm, envs[1], second_order, 0.3, 0.0)
                granted = first.result(timeout=30) + second.result(timeout=30)
        finally:
            for cr in cursors:
                cr.close()

        with self.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            rewards = env["ecrm.referral.reward"].search(
                [("partner_id", "=", self.ids["referrer"]), ("state", "!=", "cancelled")], order="id"
            )
            self.assertEqual(len(rewards), 2)
            self.assertEqual(sum(rewards.mapped("amount")), 15.0, "the cap per referrer holds across transactions")
            self.assertEqual(rewards.mapped("capped"), [False, True])
            self.assertEqual(rewards.mapped("order_id").ids, [first_order, second_order])
            self.assertEqual(sorted(granted), [5.0, 10.0])
            self.assertEqual(retries, [second_order], "the second transaction waited, then retried once")
