import threading
import time
from concurrent.futures import ThreadPoolExecutor

import odoo
from odoo.modules.registry import Registry
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests.common import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install", "ecrm_referral_pos")
class TestReferralPosConcurrency(BaseCase):
    """Two transactions rewarding the same paid shop ticket at the same moment (V3), e.g. the till
    sending the order again while the first synchronisation is still running.

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
                    "name": "Shop race program",
                    "purchase_rule": "every",
                    "level_ids": [
                        (0, 0, {"level": 1, "reward_percent": 10}),
                        (0, 0, {"level": 2, "reward_percent": 5}),
                    ],
                }
            )
            top, middle, buyer = env["res.partner"].create(
                [
                    {"name": "Shop race top", "referral_program_id": program.id},
                    {"name": "Shop race middle", "referral_program_id": program.id},
                    {"name": "Shop race buyer", "email": "shop.race.buyer@example.com"},
                ]
            )
            env["ecrm.referral"].create(
                [
                    {"partner_id": middle.id, "referrer_id": top.id, "program_id": program.id},
                    {"partner_id": buyer.id, "referrer_id": middle.id, "program_id": program.id},
                ]
            )
            config = env["pos.config"].create({"name": "Shop race till"})
            session = env["pos.session"].create({"config_id": config.id, "user_id": env.uid})
            # Paid without rewards: the two racing transactions below create them.
            order = env["pos.order"].create(
                {
                    "session_id": session.id,
                    "partner_id": buyer.id,
                    "state": "paid",
                    "amount_total": 200.0,
                    "amount_tax": 0.0,
                    "amount_paid": 200.0,
                    "amount_return": 0.0,
                }
            )
            cls.ids = {
                "program": program.id,
                "partners": (top | middle | buyer).ids,
                "order": order.id,
                "session": session.id,
                "config": config.id,
            }

    @classmethod
    def clean_up(cls):
        with cls.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["ecrm.referral.reward"].search([("program_id", "=", cls.ids["program"])]).unlink()
            # A paid ticket cannot be edited through the ORM; cancelled, it can be deleted.
            cr.execute("UPDATE pos_order SET state = 'cancel' WHERE id = %s", [cls.ids["order"]])
            env["pos.order"].browse(cls.ids["order"]).unlink()
            env["pos.session"].browse(cls.ids["session"]).unlink()
            env["pos.config"].browse(cls.ids["config"]).unlink()
            env["ecrm.referral"].search([("program_id", "=", cls.ids["program"])]).unlink()
            env["ecrm.touchpoint"].search([("partner_id", "in", cls.ids["partners"])]).unlink()
            env["res.partner"].browse(cls.ids["partners"]).write({"referral_program_id": False})
            env["ecrm.referral.program"].browse(cls.ids["program"]).unlink()
            env["res.partner"].browse(cls.ids["partners"]).unlink()

    @mute_logger("odoo.sql_db")
    def test_two_payments_race_one_reward_per_level(self):
        barrier = threading.Barrier(2)
        cursors = [self.registry.cursor(), self.registry.cursor()]
        envs = [odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}) for cr in cursors]

        def reward(env, pause):
            barrier.wait(timeout=10)
            # Retried as Odoo retries a request on a serialization failure (see ecrm_referral's race test).
            for _attempt in range(5):
                try:
                    created = env["ecrm.referral.reward"]._create_for_pos_orders([self.ids["order"]])
                    time.sleep(pause)  # keep the first transaction open while the second one inserts
                    env.cr.commit()
                    return len(created)
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    env.cr.rollback()
                    env.transaction.clear()
            raise AssertionError("the losing transaction never got through")

        try:
            with ThreadPoolExecutor(max_workers=2) as executor:
                first = executor.submit(reward, envs[0], 0.5)
                second = executor.submit(reward, envs[1], 0.0)
                created = first.result(timeout=30) + second.result(timeout=30)
        finally:
            for cr in cursors:
                cr.close()

        with self.registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            rewards = env["ecrm.referral.reward"].search([("pos_order_id", "=", self.ids["order"])])
            self.assertEqual(sorted(rewards.mapped("level")), [1, 2], "each level rewarded exactly once")
            self.assertEqual(sorted(rewards.mapped("amount")), [10.0, 20.0])
            self.assertEqual(created, 2, "the losing transaction created nothing, without an error")
