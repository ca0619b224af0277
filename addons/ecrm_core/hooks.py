def post_init_hook(env):
    """Installed into a database with history: turn the confirmed orders into purchase touchpoints.

    One INSERT ... SELECT for all orders, then the statistics of everyone, so the 360
    view and the lifecycle stages are right from the first minute.
    """
    env["ecrm.touchpoint"]._backfill_sale_orders()
    env["res.partner"]._ecrm_compute_contact_stats()


def uninstall_hook(env):
    """Drop the tables Odoo does not know as its own.

    ``ecrm.rfm.score`` is a view over the plain table ``ecrm_rfm_score_data`` (no foreign key,
    see bench/RESULTS.md). The hook runs before Odoo drops the models' tables and views, so the
    views reading the table go with it (CASCADE); Odoo then skips the views it no longer finds.
    """
    env.cr.execute("DROP TABLE IF EXISTS ecrm_rfm_score_data CASCADE")
    env.cr.execute("DROP TABLE IF EXISTS ecrm_contact_stats_data CASCADE")
