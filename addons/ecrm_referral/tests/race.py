"""Two real transactions racing on committed data (V3: never reward twice, caps hold)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import odoo
from odoo.modules.registry import Registry
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests.common import BaseCase, get_db_name


class RaceCase(BaseCase):
    """Data committed in ``_make_data`` (other connections must see it) and removed in ``_remove_data``.

    ``race`` runs work in two transactions at the same moment, retried on serialization failures
    as Odoo retries a request or a cron (``odoo.service.model.retrying`` cannot run here: it reloads
    the registry).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls._clean_up)
        with cls.registry.cursor() as cr:
            cls.ids = cls._make_data(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}))

    @classmethod
    def _clean_up(cls):
        with cls.registry.cursor() as cr:
            cls._remove_data(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}))

    @classmethod
    def _make_data(cls, env):
        """Create and return the ids the test needs; committed when this returns."""
        raise NotImplementedError

    @classmethod
    def _remove_data(cls, env):
        raise NotImplementedError

    @classmethod
    def _make_network(cls, env, prefix, program_values, people):
        """A program and people ``[(name, email, index of their referrer or None)]``, referrers being
        members of the program; returns the program and the partners."""
        program = env["ecrm.referral.program"].create({"name": f"{prefix} program", **program_values})
        referrers = {referrer for _, _, referrer in people}
        partners = env["res.partner"].create(
            [
                {"name": f"{prefix} {name}", "email": email, "referral_program_id": index in referrers and program.id}
                for index, (name, email, _) in enumerate(people)
            ]
        )
        env["ecrm.referral"].create(
            [
                {"partner_id": partner.id, "referrer_id": partners[referrer].id, "program_id": program.id}
                for partner, (_, _, referrer) in zip(partners, people, strict=True)
                if referrer is not None
            ]
        )
        return program, partners

    @classmethod
    def _remove_network(cls, env):
        """Remove what ``_make_network`` made (``ids["program"]``, ``ids["partners"]``) and their rewards."""
        program = env["ecrm.referral.program"].browse(cls.ids["program"])
        partners = env["res.partner"].browse(cls.ids["partners"])
        env["ecrm.referral"].search([("program_id", "=", program.id)]).unlink()
        env["ecrm.touchpoint"].search([("partner_id", "in", partners.ids)]).unlink()
        partners.write({"referral_program_id": False})
        program.unlink()
        partners.unlink()

    def race(self, *runners):
        """Run each ``(work, start, pause)`` in a transaction of its own, all at the same moment.

        ``work(env)`` runs ``start`` seconds after the common start; its transaction then stays open
        ``pause`` seconds before it commits. Returns ``[(result, retries)]`` in the order given."""
        barrier = threading.Barrier(len(runners))
        # Environments are made here: the registry lock is held by this thread while tests run.
        cursors = [self.registry.cursor() for _ in runners]
        envs = [odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}) for cr in cursors]

        def run(env, work, start, pause):
            barrier.wait(timeout=10)
            time.sleep(start)
            for retries in range(5):
                try:
                    result = work(env)
                    time.sleep(pause)
                    env.cr.commit()
                    return result, retries
                except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                    env.cr.rollback()
                    env.transaction.clear()
            raise AssertionError("a racing transaction never got through")

        try:
            with ThreadPoolExecutor(max_workers=len(runners)) as executor:
                futures = [executor.submit(run, env, *runner) for env, runner in zip(envs, runners, strict=True)]
                return [future.result(timeout=30) for future in futures]
        finally:
            for cr in cursors:
                cr.close()
