#!/usr/bin/env python3
"""Uninstall every eCRM addon from a database, check that Odoo still works, reinstall.

Usage:
    check_install_uninstall.py [--addons-dir DIR] -c ODOO_CONF -d DB [other Odoo options]

Runs against a database where the eCRM addons (the installable addons found in
DIR, default $ECRM_ADDONS_DIR or <repo>/addons) are installed, as scripts/test
leaves it. Uninstalls them the way the Apps menu does (button_immediate_uninstall,
which also removes their dependants), checks that the database is still usable
and that nothing of the addons is left behind, then installs the removed modules
again and checks once more.

Prints one line per check, "check_install_uninstall: <name> ok" or
"check_install_uninstall: <name> FAIL: <reason>", and exits 1 if any check failed.
"""

import argparse
import ast
import os
import sys
import traceback
import uuid

PREFIX = "check_install_uninstall:"
MAIN_MODELS = ("res.partner", "crm.lead", "sale.order", "mailing.mailing")
VIEW_TYPES = ("form", "list", "kanban", "search")


class Checker:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def run(self, name, func, *args):
        """Run one check; return its result, or None if it failed."""
        try:
            result = func(*args)
        except Exception as e:  # noqa: BLE001 - report any failure as a failed check
            self.failed += 1
            print(f"{PREFIX} {name} FAIL: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)
            traceback.print_exc(file=sys.stderr)
            return None
        self.passed += 1
        print(f"{PREFIX} {name} ok", flush=True)
        return result if result is not None else True

    def skip(self, name, reason):
        print(f"{PREFIX} {name} skipped: {reason}", flush=True)


def addon_names(addons_dir):
    names = set()
    for name in sorted(os.listdir(addons_dir)):
        manifest = os.path.join(addons_dir, name, "__manifest__.py")
        if os.path.isfile(manifest):
            with open(manifest, encoding="utf-8") as f:
                if ast.literal_eval(f.read()).get("installable", True):
                    names.add(name)
    return names


def snapshot(env, modules):
    """What the given modules own in the database: models, tables, columns."""
    cr = env.cr
    mods = tuple(modules)
    # models created by these modules (no xmlid from any other module)
    cr.execute(
        """
        SELECT m.model FROM ir_model m
        JOIN ir_model_data d ON d.model = 'ir.model' AND d.res_id = m.id
        GROUP BY m.model HAVING bool_and(d.module IN %s)
        """,
        [mods],
    )
    models = {r[0] for r in cr.fetchall()}
    tables = set()
    for model in models:
        if model in env and env[model]._auto and not env[model]._abstract:
            tables.add(env[model]._table)
    cr.execute(
        "SELECT name FROM ir_model_relation WHERE module IN (SELECT id FROM ir_module_module WHERE name IN %s)", [mods]
    )
    tables |= {r[0] for r in cr.fetchall()}
    # stored fields these modules add to other modules' models -> their columns
    cr.execute(
        """
        SELECT f.model, f.name FROM ir_model_fields f
        JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
        WHERE f.store AND f.ttype NOT IN ('one2many', 'many2many')
        GROUP BY f.model, f.name HAVING bool_and(d.module IN %s)
        """,
        [mods],
    )
    columns = set()
    for model, fname in cr.fetchall():
        if model in models or model not in env or not env[model]._auto:
            continue
        columns.add((env[model]._table, fname))
    return {"models": models, "tables": tables, "columns": columns}


def existing_tables(cr, names):
    if not names:
        return []
    cr.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN %s",
        [tuple(names)],
    )
    return sorted(r[0] for r in cr.fetchall())


def existing_columns(cr, columns):
    found = []
    for table, column in sorted(columns):
        cr.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND column_name = %s",
            [table, column],
        )
        if cr.fetchone():
            found.append(f"{table}.{column}")
    return found


def check_views(env, model):
    """The default views and every active primary view of MODEL load."""
    Model = env[model]
    Model.get_views([(False, t) for t in VIEW_TYPES])
    views = env["ir.ui.view"].search(
        [("model", "=", model), ("mode", "=", "primary"), ("type", "in", list(VIEW_TYPES))]
    )
    for view in views:
        Model.get_view(view.id, view.type)
    return len(views)


def check_partner(env):
    tag = uuid.uuid4().hex[:8]
    Partner = env["res.partner"]
    partner = Partner.create(
        {"name": f"Uninstall Check {tag}", "email": f"check-{tag}@example.com", "phone": "+32 2 290 34 90"}
    )
    assert Partner.search([("name", "=", f"Uninstall Check {tag}")]) == partner, "search by name"
    assert Partner.search([("email", "=ilike", f"CHECK-{tag}@example.com")]) == partner, "search by email"
    assert partner in Partner.browse([r[0] for r in Partner.name_search(f"Check {tag}")]), "name_search"
    partner.write({"city": "Brussels", "comment": "checked"})
    partner.invalidate_recordset()
    assert partner.city == "Brussels"
    partner.copy()
    env.flush_all()


def check_lead(env):
    partner = env["res.partner"].create({"name": "Lead Check", "email": "lead-check@example.com"})
    lead = env["crm.lead"].create({"name": "Lead Check", "partner_id": partner.id, "type": "opportunity"})
    lead.action_set_won()
    env.flush_all()
    assert lead.stage_id.is_won, "lead not won"


def check_sale(env):
    partner = env["res.partner"].create({"name": "Sale Check", "email": "sale-check@example.com"})
    product = env["product.product"].create({"name": "Sale Check Product", "list_price": 42.0})
    order = env["sale.order"].create(
        {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 2})]}
    )
    order.action_confirm()
    env.flush_all()
    assert order.state == "sale", f"order state is {order.state}"
    assert order.amount_untaxed == 84.0, f"amount_untaxed is {order.amount_untaxed}"


def check_mailing(env):
    mailing = env["mailing.mailing"].create(
        {
            "subject": "Uninstall check",
            "mailing_model_id": env["ir.model"]._get_id("res.partner"),
            "mailing_domain": "[('email', '!=', False)]",
            "body_html": "<p>Hello</p>",
        }
    )
    env.flush_all()
    assert mailing._get_recipients(), "no recipients"


def usable_checks(checker, registry, suffix):
    """Views load and core records can be created. Everything is rolled back."""
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for model in MAIN_MODELS:
            if model in env:
                checker.run(f"views {model}{suffix}", check_views, env, model)
            else:
                checker.skip(f"views {model}{suffix}", "model not installed")
        checks = [
            ("res.partner", "partner create/search", check_partner),
            ("crm.lead", "crm.lead create/won", check_lead),
            ("sale.order", "sale.order create/confirm", check_sale),
            ("mailing.mailing", "mailing.mailing create", check_mailing),
        ]
        for model, name, func in checks:
            if model not in env:
                checker.skip(name + suffix, "model not installed")
                continue

            def in_savepoint(func=func):
                with cr.savepoint():
                    func(env)

            checker.run(name + suffix, in_savepoint)
        cr.rollback()


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--addons-dir",
        default=os.environ.get("ECRM_ADDONS_DIR") or os.path.join(repo, "addons"),
        help="folder of the eCRM addons (default: $ECRM_ADDONS_DIR or <repo>/addons)",
    )
    args, odoo_args = parser.parse_known_args()
    if not os.path.isdir(args.addons_dir):
        parser.error(f"no such folder: {args.addons_dir}")

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args)
    db = odoo.tools.config["db_name"]
    if not db or "," in db:
        parser.error("give exactly one database with -d")
    try:
        odoo.service.server.load_server_wide_modules()
    except Exception:  # noqa: BLE001 - best effort, as odoo's server does
        traceback.print_exc()

    checker = Checker()
    ours = addon_names(args.addons_dir)

    # -- before: what is installed, what the addons own ----------------------
    registry = Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        installed_before = set(env["ir.module.module"].search([("state", "=", "installed")]).mapped("name"))
        targets = sorted(ours & installed_before)
        if not targets:
            checker.failed += 1
            print(f"{PREFIX} eCRM addons installed FAIL: none of {sorted(ours)} is installed in {db}", flush=True)
            return finish(checker)
        owned = snapshot(env, targets)
    print(
        f"{PREFIX} uninstalling {', '.join(targets)} ({len(owned['models'])} models, "
        f"{len(owned['tables'])} tables, {len(owned['columns'])} columns on other models)",
        flush=True,
    )

    # -- uninstall, as the Apps menu does ------------------------------------
    def uninstall():
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["ir.module.module"].search([("name", "in", targets)]).button_immediate_uninstall()

    if checker.run("uninstall", uninstall) is None:
        return finish(checker)

    def reload_registry():
        reg = Registry.new(db)
        left = sorted(m for m in reg if m in owned["models"] or m.startswith("ecrm."))
        assert not left, f"models still in registry: {left}"
        return reg

    registry = checker.run("registry reloads", reload_registry) or Registry(db)

    removed = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})

        def states():
            nonlocal removed
            mods = env["ir.module.module"].search([("name", "in", sorted(installed_before))])
            removed = sorted(m.name for m in mods if m.state != "installed")
            still = [m.name for m in mods if m.name in targets and m.state != "uninstalled"]
            assert not still, f"not uninstalled: {still}"
            extra = sorted(set(removed) - set(targets))
            if extra:
                print(f"{PREFIX} also removed (dependants): {', '.join(extra)}", flush=True)

        checker.run("modules uninstalled", states)

        def no_models():
            cr.execute(
                "SELECT model FROM ir_model WHERE model LIKE 'ecrm.%%' OR model IN %s",
                [tuple(owned["models"]) or ("",)],
            )
            left = sorted(r[0] for r in cr.fetchall())
            assert not left, f"ir.model rows left: {left}"

        def no_tables():
            cr.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_name LIKE 'ecrm\\_%%'"
            )
            left = sorted({r[0] for r in cr.fetchall()} | set(existing_tables(cr, owned["tables"])))
            assert not left, f"tables left: {left}"

        def no_columns():
            left = existing_columns(cr, owned["columns"])
            assert not left, f"columns left: {left}"

        def no_data():
            cr.execute(
                "SELECT module, model, count(*) FROM ir_model_data WHERE module IN %s GROUP BY module, model",
                [tuple(removed or targets)],
            )
            left = [f"{m}/{model}: {n}" for m, model, n in cr.fetchall()]
            assert not left, f"ir.model.data rows left: {left}"

        checker.run("no ir.model left", no_models)
        checker.run("no tables left", no_tables)
        checker.run("no columns left", no_columns)
        checker.run("no ir.model.data left", no_data)

    usable_checks(checker, registry, "")

    # -- reinstall ----------------------------------------------------------
    to_install = removed or targets
    print(f"{PREFIX} reinstalling {', '.join(to_install)}", flush=True)

    def reinstall():
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["ir.module.module"].search([("name", "in", to_install)]).button_immediate_install()
        with Registry(db).cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            mods = env["ir.module.module"].search([("name", "in", to_install)])
            bad = [f"{m.name}={m.state}" for m in mods if m.state != "installed"]
            assert not bad, f"not installed: {bad}"
            missing = sorted(m for m in owned["models"] if m not in env)
            assert not missing, f"models missing after reinstall: {missing}"
            left = existing_tables(cr, owned["tables"])
            assert len(left) == len(owned["tables"]), f"tables missing: {sorted(owned['tables'] - set(left))}"

    if checker.run("reinstall", reinstall) is not None:
        usable_checks(checker, Registry(db), " (after reinstall)")
    return finish(checker)


def finish(checker):
    print(f"{PREFIX} {checker.passed} ok, {checker.failed} failed", flush=True)
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main())
