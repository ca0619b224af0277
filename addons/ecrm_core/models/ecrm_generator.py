import contextlib
import csv
import io
import logging
import random
import time
from datetime import date, timedelta
from operator import itemgetter

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.contact import normalize_phone
from ..tools.profile import age_band, age_on, life_stage

_logger = logging.getLogger(__name__)

FIRST_NAMES = [
    "Ali",
    "Sara",
    "Reza",
    "Maryam",
    "Hossein",
    "Zahra",
    "Mehdi",
    "Fatemeh",
    "Amir",
    "Narges",
    "Anna",
    "John",
    "Maria",
    "David",
    "Laura",
    "Peter",
    "Elena",
    "Omid",
    "Leila",
    "Kaveh",
    "Nina",
    "Paul",
    "Shirin",
    "Babak",
]
LAST_NAMES = [
    "Ahmadi",
    "Karimi",
    "Hosseini",
    "Rezaei",
    "Moradi",
    "Jafari",
    "Smith",
    "Rossi",
    "Muller",
    "Dubois",
    "Tehrani",
    "Shirazi",
    "Novak",
    "Garcia",
    "Kowalski",
    "Sadeghi",
    "Nazari",
    "Bauer",
    "Larsen",
    "Costa",
]
COMPANY_WORDS = ["Pars", "Atlas", "Nova", "Zagros", "Delta", "Orion", "Caspian", "Sepid", "Alborz", "Vista"]
COMPANY_KINDS = ["Trading", "Industries", "Foods", "Logistics", "Textiles", "Software", "Pharma", "Motors"]

# Touchpoint type -> (weight, direction, summary); purchases come from the generated orders.
TOUCHPOINT_MIX = {
    "web_visit": (40, "inbound", "Website visit"),
    "email_out": (18, "outbound", "Newsletter sent"),
    "email_in": (6, "inbound", "E-mail from the customer"),
    "call": (8, "inbound", "Phone call"),
    "chat": (6, "inbound", "Chat conversation"),
    "social": (6, "inbound", "Social media mention"),
    "form": (4, "inbound", "Contact form"),
    "survey": (2, "inbound", "Survey answered"),
    "meeting": (2, "outbound", "Meeting"),
    "shop_visit": (3, "inbound", "Shop visit"),
    "support": (3, "inbound", "Support request"),
    "other": (2, "internal", "Note"),
}
PAGES = ["/", "/shop", "/shop/category/new", "/blog", "/contactus", "/pricing", "/about", "/shop/cart"]
REFERRERS = [
    "https://www.google.com/search?q=%s",
    "https://www.bing.com/search?q=%s",
    "https://duckduckgo.com/?q=%s",
]
KEYWORDS = ["winter+offer", "best+price", "online+shop", "gift+ideas", "free+delivery", "new+collection"]

PARTNER_COLUMNS = [
    "id",
    "name",
    "complete_name",
    "type",
    "is_company",
    "parent_id",
    "commercial_partner_id",
    "commercial_company_name",
    "company_name",
    "email",
    "email_normalized",
    "phone",
    "mobile",
    "phone_sanitized",
    "phone_e164",
    "mobile_e164",
    "country_id",
    "gender",
    "birth_date",
    "age",
    "age_band",
    "household_size",
    "children_count",
    "life_stage_auto",
    "life_stage",
    "customer_rank",
    "partner_share",
    "employee",
    "create_uid",
    "write_uid",
    "create_date",
    "write_date",
]
ORDER_COLUMNS = [
    "id",
    "name",
    "state",
    "date_order",
    "partner_id",
    "partner_invoice_id",
    "partner_shipping_id",
    "company_id",
    "currency_id",
    "currency_rate",
    "pricelist_id",
    "user_id",
    "team_id",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "invoice_status",
    "validity_date",
    "require_signature",
    "require_payment",
    "prepayment_percent",
    "create_uid",
    "write_uid",
    "create_date",
    "write_date",
]
LINE_COLUMNS = [
    "order_id",
    "sequence",
    "company_id",
    "currency_id",
    "order_partner_id",
    "salesman_id",
    "product_id",
    "product_uom",
    "state",
    "qty_delivered_method",
    "invoice_status",
    "name",
    "product_uom_qty",
    "price_unit",
    "discount",
    "price_subtotal",
    "price_tax",
    "price_total",
    "price_reduce_taxexcl",
    "price_reduce_taxinc",
    "technical_price_unit",
    "qty_delivered",
    "qty_invoiced",
    "qty_to_invoice",
    "untaxed_amount_invoiced",
    "untaxed_amount_to_invoice",
    "customer_lead",
    "product_packaging_qty",
    "is_downpayment",
    "is_expense",
    "create_uid",
    "write_uid",
    "create_date",
    "write_date",
]
TOUCHPOINT_COLUMNS = [
    "partner_id",
    "commercial_partner_id",
    "company_id",
    "channel_id",
    "touchpoint_type",
    "direction",
    "date",
    "summary",
    "source_system",
    "external_id",
    "res_model",
    "res_id",
    "campaign_id",
    "source_id",
    "medium_id",
    "referrer_url",
    "search_keywords",
    "landing_url",
    "navigation_path",
    "amount",
    "currency_id",
    "user_id",
    "create_uid",
    "write_uid",
    "create_date",
    "write_date",
]
CHUNK = 100_000
SIMPLE_TYPES = {"char", "text", "selection", "boolean", "integer", "float", "monetary", "date", "datetime", "many2one"}


class EcrmGenerator(models.AbstractModel):
    """Bulk test data for benchmarks and demos: partners, touchpoints and confirmed orders, written by COPY."""

    _name = "ecrm.generator"
    _description = "eCRM Test Data Generator"

    @api.model
    def _generate(self, partners=1000, touchpoints=10000, orders=1000, lines_per_order=3, seed=0):
        """Write ``partners`` partners, ``touchpoints`` touchpoints and ``orders`` confirmed sale orders.

        Partners are mostly people, with a company for about every 50 partners and three
        contacts under each; they get ``bench.<i>@example.com`` e-mails, unique phones
        ``+98 912 ...`` (E.164 ``+98912...``), and about 60% a birth date. Touchpoints
        spread over the last two years; one per order is the ``purchase`` touchpoint its
        confirmation records, the others mix every other type. Orders are in state
        ``sale`` in the company currency, with ``lines_per_order`` lines each and no tax.

        Rows go in through COPY, not the ORM, so the computed fields are filled here the
        way the ORM would; the caches are invalidated afterwards. The same ``seed`` on
        the same database gives the same data. Nothing is committed.

        When the database role is a superuser, the per-row foreign key triggers are
        skipped during the COPYs (``session_replication_role = replica``): every id
        written comes from rows just written or read, and the checks would take more
        time than the rest of the load together.

        :return: dict of counts: ``partners``, ``companies``, ``touchpoints``, ``orders``,
            ``order_lines`` and ``seconds``
        """
        if not self.env.is_superuser() and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only administrators can generate test data."))
        started = time.monotonic()
        rng = random.Random(seed)
        company = self.env.company
        self.env.flush_all()
        now = fields.Datetime.now().replace(microsecond=0)
        ctx = _Context(company, now, rng)

        self._plan_partners(ctx, max(0, partners))
        buyers = self._plan_buyers(ctx, max(0, orders))
        skipping = self._skip_foreign_key_triggers()
        try:
            self._write_partners(ctx, set(buyers))
            order_count, line_count = self._write_orders(ctx, buyers, max(1, lines_per_order))
            touchpoint_count = self._write_touchpoints(ctx, max(0, touchpoints))
        finally:
            if skipping:
                # after an error the transaction is aborted and rolls the setting back anyway
                with contextlib.suppress(psycopg2.Error):
                    self.env.cr.execute("SET LOCAL session_replication_role = DEFAULT", log_exceptions=False)
        for table in ("res_partner", "sale_order", "sale_order_line", "ecrm_touchpoint"):
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        self.env.invalidate_all()
        result = {
            "partners": len(ctx.partner_ids),
            "companies": ctx.company_count,
            "touchpoints": touchpoint_count,
            "orders": order_count,
            "order_lines": line_count,
            "seconds": round(time.monotonic() - started, 1),
        }
        _logger.info("ecrm.generator: %s", result)
        return result

    # ------------------------------------------------------------------
    # Partners
    # ------------------------------------------------------------------

    def _plan_partners(self, ctx, count):
        """Build the partner rows (people, companies, their contacts) in ``ctx``, without writing them."""
        cr = self.env.cr
        cr.execute("SELECT count(*) FROM res_partner WHERE email LIKE 'bench.%%@example.com'")
        first = cr.fetchone()[0]
        companies = count // 50
        contacts = min(companies * 3, count - companies)
        ids = self._reserve_ids("res_partner", count)
        ctx.partner_ids = ids
        ctx.company_count = companies
        ctx.commercial = {}
        # phone numbers are written in international form, so their E.164 is known without parsing
        sample = "+98 912 %03d %04d" % divmod(first % 10_000_000, 10_000)
        if normalize_phone(sample) != "+98912%07d" % (first % 10_000_000):
            raise ValueError("unexpected E.164 form of %s" % sample)

        rng, uid, today = ctx.rng, self.env.uid, ctx.now.date()
        country_id = ctx.company.country_id.id or None
        constants = self._constant_defaults("res.partner", PARTNER_COLUMNS)
        columns = PARTNER_COLUMNS + list(constants)
        extra = list(constants.values())
        rows, people = [], []
        company_names = {}
        for index, partner_id in enumerate(ids):
            number = first + index
            is_company = index < companies
            parent_id = ids[(index - companies) // 3] if companies <= index < companies + contacts else None
            email = "bench.%d@example.com" % number
            digits = "%07d" % (number % 10_000_000)
            phone = "+98 912 %s %s" % (digits[:3], digits[3:])
            phone_e164 = "+98912" + digits
            created = ctx.now - timedelta(days=730 + rng.randrange(365), seconds=rng.randrange(86400))
            if is_company:
                name = "%s %s %d" % (rng.choice(COMPANY_WORDS), rng.choice(COMPANY_KINDS), number)
                company_names[partner_id] = name
                ctx.commercial[partner_id] = partner_id
                rows.append(
                    [
                        partner_id,
                        name,
                        name,
                        "contact",
                        True,
                        None,
                        partner_id,
                        name,
                        None,
                        email,
                        email,
                        phone,
                        None,
                        phone_e164,
                        phone_e164,
                        None,
                        country_id,
                        None,
                        None,
                        0,
                        None,
                        None,
                        None,
                        None,
                        None,
                        0,
                        True,
                        False,
                        uid,
                        uid,
                        created,
                        created,
                        *extra,
                    ]
                )
                continue
            name = "%s %s" % (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
            mobile = mobile_e164 = None
            if rng.random() < 0.3:
                mobile = "+98 935 %s %s" % (digits[:3], digits[3:])
                mobile_e164 = "+98935" + digits
            birth_date = age = band = stage = household = children = None
            if rng.random() < 0.6:
                birth_date = date(today.year - rng.randint(16, 80), rng.randint(1, 12), rng.randint(1, 28))
                household = rng.choice((1, 1, 2, 2, 3, 4, 5))
                children = max(0, household - 2 - rng.randrange(2))
                age = age_on(birth_date, today)
                band = age_band(age)
                stage = life_stage(age, household, children)
            company_name = company_names.get(parent_id)
            ctx.commercial[partner_id] = parent_id or partner_id
            people.append(partner_id)
            rows.append(
                [
                    partner_id,
                    name,
                    "%s, %s" % (company_name, name) if parent_id else name,
                    "contact",
                    False,
                    parent_id,
                    parent_id or partner_id,
                    company_name,
                    None,
                    email,
                    email,
                    phone,
                    mobile,
                    mobile_e164 or phone_e164,
                    phone_e164,
                    mobile_e164,
                    country_id,
                    rng.choice(("female", "male")),
                    birth_date,
                    age or 0,
                    band,
                    household or 0,
                    children or 0,
                    stage,
                    stage,
                    0,
                    True,
                    False,
                    uid,
                    uid,
                    created,
                    created,
                    *extra,
                ]
            )
        ctx.people = people
        ctx.partner_rows = rows
        ctx.partner_columns = columns

    def _write_partners(self, ctx, customers):
        """COPY the partners planned by :meth:`_plan_partners`; ``customers`` get a customer rank."""
        rank = ctx.partner_columns.index("customer_rank")
        for row in ctx.partner_rows:
            if row[0] in customers:
                row[rank] = 1
        self._copy("res_partner", ctx.partner_columns, ctx.partner_rows)
        ctx.partner_rows = None

    # ------------------------------------------------------------------
    # Sale orders
    # ------------------------------------------------------------------

    def _plan_buyers(self, ctx, count):
        """The partner of each of ``count`` orders: a third of the population buys, some of them often."""
        if not count or not ctx.people:
            return []
        rng = ctx.rng
        pool = ctx.people + list(ctx.partner_ids[: ctx.company_count])
        customers = rng.sample(pool, max(1, len(pool) // 3))
        weights = [1.0 / (1 + rank) ** 0.5 for rank in range(len(customers))]
        return rng.choices(customers, weights=weights, k=count)

    def _write_orders(self, ctx, buyers, lines_per_order):
        """COPY one confirmed order per buyer and its lines; returns (orders, lines)."""
        ctx.orders = []
        if not buyers:
            return 0, 0
        env, rng, uid = self.env, ctx.rng, self.env.uid
        company, currency = ctx.company, ctx.company.currency_id
        products = self._generator_products()
        pricelist = env["product.pricelist"].search(
            [("currency_id", "=", currency.id), ("company_id", "in", [False, company.id])], limit=1
        )
        team = env["crm.team"].search([("company_id", "in", [False, company.id])], limit=1)
        ids = self._reserve_ids("sale_order", len(buyers))
        order_constants = self._constant_defaults("sale.order", ORDER_COLUMNS + ["note"])
        line_constants = self._constant_defaults("sale.order.line", LINE_COLUMNS)
        order_extra, line_extra = list(order_constants.values()), list(line_constants.values())
        product_rows = [(p.id, p.uom_id.id, p.display_name, round(p.list_price, 2)) for p in products]
        span = 730 * 86400
        orders, lines = [], []
        for order_id, partner_id in zip(ids, buyers, strict=True):
            ordered = ctx.now - timedelta(seconds=rng.randrange(span))
            total = 0.0
            for sequence in range(lines_per_order):
                product_id, uom_id, label, price = rng.choice(product_rows)
                qty = rng.randint(1, 5)
                subtotal = round(price * qty, 2)
                total += subtotal
                lines.append(
                    [
                        order_id,
                        10 + sequence,
                        company.id,
                        currency.id,
                        partner_id,
                        uid,
                        product_id,
                        uom_id,
                        "sale",
                        "manual",
                        "to invoice",
                        label,
                        qty,
                        price,
                        0,
                        subtotal,
                        0,
                        subtotal,
                        price,
                        price,
                        price,
                        0,
                        0,
                        qty,
                        0,
                        subtotal,
                        0,
                        0,
                        False,
                        False,
                        uid,
                        uid,
                        ordered,
                        ordered,
                        *line_extra,
                    ]
                )
            total = round(total, 2)
            orders.append(
                [
                    order_id,
                    "BENCH/%07d" % order_id,
                    "sale",
                    ordered,
                    partner_id,
                    partner_id,
                    partner_id,
                    company.id,
                    currency.id,
                    1,
                    pricelist.id or None,
                    uid,
                    team.id or None,
                    total,
                    0,
                    total,
                    "to invoice",
                    (ordered + timedelta(days=30)).date(),
                    company.portal_confirmation_sign,
                    company.portal_confirmation_pay,
                    company.prepayment_percent or 1.0,
                    uid,
                    uid,
                    ordered,
                    ordered,
                    *order_extra,
                ]
            )
        ctx.orders = [(row[0], row[1], row[4], row[3], row[13]) for row in orders]
        self._copy("sale_order", ORDER_COLUMNS + list(order_constants), orders)
        self._copy("sale_order_line", LINE_COLUMNS + list(line_constants), lines)
        return len(orders), len(lines)

    def _generator_products(self):
        """The products order lines are made of, created on the first run."""
        Product = self.env["product.product"].with_context(active_test=False)
        products = Product.search([("default_code", "=like", "BENCH-%")], order="id")
        if not products:
            products = Product.create(
                [
                    {
                        "name": "Bench %s %d" % (kind, number),
                        "default_code": "BENCH-%02d" % number,
                        "type": "service" if kind == "Service" else "consu",
                        "list_price": price,
                        "sale_ok": True,
                    }
                    for number, (kind, price) in enumerate(
                        [(kind, price) for kind in ("Product", "Service") for price in (9.5, 25, 49.9, 120, 399, 1250)],
                        start=1,
                    )
                ]
            )
        return products

    # ------------------------------------------------------------------
    # Touchpoints
    # ------------------------------------------------------------------

    def _write_touchpoints(self, ctx, count):
        """Write ``count`` touchpoints: the orders' purchases, then a mix of every other type.

        Rows go in partner by partner, each one's in date order: the partner indexes then
        grow at one end instead of everywhere, which makes COPY several times faster.
        """
        people = ctx.people
        if not count or not people:
            return 0
        env, rng, uid, company = self.env, ctx.rng, self.env.uid, ctx.company
        currency_id = company.currency_id.id
        channels = env["ecrm.channel"]._channel_map("touchpoint_type", company)
        ctx.campaigns = self._generator_campaigns()
        ctx.sources = env["utm.source"].search([], limit=6).ids or [None]
        ctx.mediums = env["utm.medium"].search([], limit=4).ids or [None]
        purchases = {}
        for order in ctx.orders[:count]:
            purchases.setdefault(order[2], []).append(order)
        ctx.orders = None
        # how many of the other touchpoints each person gets: a few very active, a long tail of quiet ones
        activity = [1.0 / (1 + rank) ** 0.6 for rank in range(len(people))]
        cumulative, running = [], 0.0
        for weight in activity:
            running += weight
            cumulative.append(running)
        others = count - sum(len(orders) for orders in purchases.values())
        per_person = dict.fromkeys(people, 0)
        for partner_id in rng.choices(people, cum_weights=cumulative, k=others):
            per_person[partner_id] += 1

        kinds = list(TOUCHPOINT_MIX)
        kind_weights = [TOUCHPOINT_MIX[kind][0] for kind in kinds]
        derived_columns, derived = self._touchpoint_derived_values(
            [("purchase", "inbound")] + [(kind, TOUCHPOINT_MIX[kind][1]) for kind in kinds]
        )
        stamp, span, commercial = ctx.now, 730 * 86400, ctx.commercial

        def row(partner_id, kind, direction, moment, summary, order_id=None, amount=None, web=(None,) * 7):
            """One touchpoint; ``web`` is (campaign, source, medium, referrer, keywords, landing, path)."""
            return (
                (partner_id, commercial[partner_id], company.id, channels.get(kind), kind, direction, moment)
                + (summary, "odoo", order_id and "sale.order:%d" % order_id, order_id and "sale.order", order_id)
                + web
                + (amount, currency_id if order_id else None, uid if order_id else None, uid, uid, stamp, stamp)
                + derived[kind, direction]
            )

        written, rows = 0, []
        for partner_id in sorted(set(people) | set(purchases)):
            partner_rows = [
                row(partner_id, "purchase", "inbound", ordered, name, order_id, amount)
                for order_id, name, _partner, ordered, amount in purchases.get(partner_id, ())
            ]
            for kind in rng.choices(kinds, weights=kind_weights, k=per_person.get(partner_id, 0)):
                _weight, direction, summary = TOUCHPOINT_MIX[kind]
                moment = stamp - timedelta(seconds=rng.randrange(span))
                partner_rows.append(row(partner_id, kind, direction, moment, summary, web=self._web_values(ctx, kind)))
            partner_rows.sort(key=itemgetter(6))
            rows += partner_rows
            if len(rows) >= CHUNK:
                written += self._copy("ecrm_touchpoint", TOUCHPOINT_COLUMNS + derived_columns, rows)
                rows = []
        written += self._copy("ecrm_touchpoint", TOUCHPOINT_COLUMNS + derived_columns, rows)
        return written

    def _web_values(self, ctx, kind):
        """(campaign, source, medium, referrer, keywords, landing page, pages viewed) of a touchpoint."""
        rng = ctx.rng
        referrer = keywords = landing = path = campaign = source = medium = None
        if kind == "web_visit":
            landing = "https://shop.example.com" + rng.choice(PAGES)
            path = "\n".join(rng.sample(PAGES, rng.randint(1, 4)))
            if rng.random() < 0.4:
                words = rng.choice(KEYWORDS)
                referrer = rng.choice(REFERRERS) % words
                keywords = words.replace("+", " ")
            if rng.random() < 0.3:
                campaign, source, medium = rng.choice(ctx.campaigns), rng.choice(ctx.sources), rng.choice(ctx.mediums)
        elif kind == "email_out" and rng.random() < 0.7:
            campaign, medium = rng.choice(ctx.campaigns), ctx.mediums[0]
        return (campaign, source, medium, referrer, keywords, landing, path)

    def _touchpoint_derived_values(self, pairs):
        """Stored computed touchpoint fields the COPY does not write and that depend on type and direction only.

        Other modules add such fields (``needs_answer``...): their value is computed once per
        (type, direction) on a new record, as the ORM would. Returns (columns, {pair: values}).
        """
        Touchpoint = self.env["ecrm.touchpoint"]
        names = [
            name
            for name, field in Touchpoint._fields.items()
            if field.store
            and field.compute
            and field.column_type
            and name not in TOUCHPOINT_COLUMNS
            and set(self.pool.field_depends[field]) <= {"touchpoint_type", "direction"}
        ]
        values = {}
        for kind, direction in pairs:
            record = Touchpoint.new({"touchpoint_type": kind, "direction": direction})
            values[kind, direction] = tuple(_column_value(Touchpoint._fields[name], record[name]) for name in names)
        return names, values

    def _generator_campaigns(self):
        Campaign = self.env["utm.campaign"].with_context(active_test=False)
        names = ["Bench campaign %d" % number for number in range(1, 6)]
        campaigns = Campaign.search([("name", "in", names)])
        missing = [name for name in names if name not in campaigns.mapped("name")]
        if missing:
            campaigns |= Campaign.create([{"name": name} for name in missing])
        return campaigns.ids

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _skip_foreign_key_triggers(self):
        """Turn off the foreign key triggers until the end of the transaction, when allowed."""
        cr = self.env.cr
        cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cr.fetchone()
        if not (row and row[0]):
            return False
        cr.execute("SET LOCAL session_replication_role = replica")
        return True

    def _reserve_ids(self, table, count):
        """``count`` fresh ids from the table's sequence."""
        if not count:
            return []
        self.env.cr.execute(
            SQL(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                table,
                count,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _constant_defaults(self, model, written):
        """{column: value} for the ORM defaults of the stored fields not in ``written`` that are plain values.

        Other modules add columns with defaults (``sale_warn``, ``autopost_bills``...):
        their default, taken once, is what the ORM would have written on every row.
        """
        # defaults asked by the caller's context (default_*) are for the caller's records, not these
        context = {key: value for key, value in self.env.context.items() if not key.startswith("default_")}
        Model = self.env(context=context)[model]
        names = [
            name
            for name, field in Model._fields.items()
            if field.store
            and field.column_type
            and name not in written
            and name != "id"
            and field.type in SIMPLE_TYPES
            and not field.company_dependent
            and not field.translate
            and name not in models.MAGIC_COLUMNS
        ]
        result = {}
        for name, value in Model.default_get(names).items():
            field = Model._fields[name]
            if field.type == "many2one":
                value = value.id if isinstance(value, models.BaseModel) else value
            if value is False and field.type != "boolean":
                value = None
            if isinstance(value, (list, tuple, dict, models.BaseModel)):
                continue
            result[name] = value
        return result

    def _copy(self, table, columns, rows):
        """COPY ``rows`` (sequences of Python values; None is NULL) into ``table``; returns their number.

        csv writes None as an empty field, which COPY reads as NULL, and the rest with str().
        """
        if not rows:
            return 0
        started = time.monotonic()
        cr = self.env.cr
        copy = SQL(
            "COPY %s (%s) FROM STDIN WITH (FORMAT csv)",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in columns),
        )
        for start in range(0, len(rows), CHUNK):
            buffer = io.StringIO()
            csv.writer(buffer).writerows(rows[start : start + CHUNK])
            buffer.seek(0)
            cr._obj.copy_expert(copy.code, buffer)
        _logger.debug("ecrm.generator: %d rows into %s in %.1fs", len(rows), table, time.monotonic() - started)
        return len(rows)


class _Context:
    """What the steps of one :meth:`EcrmGenerator._generate` run share."""

    def __init__(self, company, now, rng):
        self.company = company
        self.now = now
        self.rng = rng
        self.partner_ids = []
        self.company_count = 0
        self.commercial = {}
        self.people = []
        self.orders = []
        self.campaigns = self.sources = self.mediums = [None]
        self.partner_rows = None
        self.partner_columns = None


def _column_value(field, value):
    """A field's value as COPY writes it: ids for many2one, None for empty values but False booleans."""
    if field.type == "many2one":
        return value.id or None
    if field.type == "boolean":
        return bool(value)
    return value if value or value == 0 else None
