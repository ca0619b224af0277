import logging
import time
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.modules.db import has_trigram
from odoo.tools import SQL

from ..tools import duplicates, email_quality
from ..tools.graph import connected_components

_logger = logging.getLogger(__name__)

# ir.config_parameter: the pair score from which contacts are reported as duplicates.
THRESHOLD_PARAM = "ecrm_core.duplicate_threshold"
# Odoo's merge wizard takes at most this many contacts at once.
MERGE_WIZARD_LIMIT = 3


class EcrmDuplicateGroup(models.Model):
    """Contacts that look like one person, found by the duplicate job (C6).

    The job (``_detect_duplicates``, run by the data-quality cron and the "Find
    duplicates now" button) pairs contacts sharing a mailbox (Gmail dots and +tags
    ignored), a phone number or a postal address, weighs each pair with the similarity of
    the names (PostgreSQL trigrams), and joins the pairs into groups. A group is merged
    through Odoo's own merge wizard, which moves every document of the merged contacts to
    the one kept; or dismissed, and its contacts are not paired again.
    """

    _name = "ecrm.duplicate.group"
    _description = "eCRM Duplicate Group"
    _inherit = ["mail.thread"]
    _order = "state, score desc, id desc"

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", readonly=True, index="btree_not_null", help="Empty when all its contacts are shared."
    )
    state = fields.Selection(
        [("open", "To review"), ("merged", "Merged"), ("dismissed", "Not duplicates")],
        required=True,
        default="open",
        readonly=True,
        index=True,
        tracking=True,
    )
    score = fields.Integer(readonly=True, aggregator="avg", help="0-100: how sure the group is one person.")
    reasons = fields.Char(readonly=True, help="What the contacts share, e.g. same e-mail (gmail dots), similar name.")
    partner_ids = fields.Many2many(
        "res.partner",
        "ecrm_duplicate_group_res_partner_rel",
        "group_id",
        "partner_id",
        string="Contacts",
        readonly=True,
        context={"active_test": False},
    )
    partner_count = fields.Integer(string="Contacts Count", compute="_compute_partner_count")
    pair_ids = fields.One2many("ecrm.duplicate.pair", "group_id", string="Pairs", readonly=True)
    merged_partner_id = fields.Many2one(
        "res.partner",
        string="Kept Contact",
        readonly=True,
        ondelete="set null",
        help="The contact the group was merged into.",
    )
    date_found = fields.Datetime(readonly=True, default=fields.Datetime.now)
    date_done = fields.Datetime(string="Reviewed On", readonly=True)

    @api.depends("partner_ids")
    def _compute_partner_count(self):
        for group in self:
            group.partner_count = len(group.partner_ids)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_merge(self):
        """Open Odoo's merge wizard on the group, the contact with the most history kept."""
        self.ensure_one()
        if self.state != "open":
            raise UserError(_("This group was already reviewed. Reopen it to merge its contacts."))
        partners = self.partner_ids.exists()
        if len(partners) < 2:
            self._ecrm_mark_merged(partners)
            return True
        if not self.env.user.has_group("base.group_partner_manager"):
            raise UserError(_("Merging contacts needs the Contact Creation right. Ask an administrator for it."))
        ranked = partners._ecrm_rank_by_history()
        wizard = self.env["base.partner.merge.automatic.wizard"].create(
            {
                "state": "selection",
                "partner_ids": [Command.set(ranked[:MERGE_WIZARD_LIMIT].ids)],
                "dst_partner_id": ranked[0].id,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Merge Contacts"),
            "res_model": "base.partner.merge.automatic.wizard",
            "res_id": wizard.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"active_test": False, "ecrm_duplicate_group_id": self.id},
        }

    def action_dismiss(self):
        self.write({"state": "dismissed", "date_done": fields.Datetime.now()})
        return True

    def action_reopen(self):
        self.filtered(lambda group: group.state == "dismissed").write({"state": "open", "date_done": False})
        return True

    def action_open_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", self.partner_ids.ids)],
            "context": {"active_test": False},
        }

    @api.model
    def action_detect_duplicates(self):
        """The "Find duplicates now" button: refresh the contacts' keys and run the duplicate job."""
        if not self.env.user.has_group("ecrm_core.group_ecrm_manager"):
            raise UserError(_("Only eCRM managers can run the duplicate search."))
        self.env["res.partner"].sudo()._ecrm_refresh_contact_keys()
        stats = self.sudo()._detect_duplicates()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(pairs)s pairs of likely duplicates in %(groups)s groups to review (%(new)s new).",
                    pairs=stats["pairs"],
                    groups=stats["open_groups"],
                    new=stats["created"],
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _ecrm_mark_merged(self, survivors):
        """Close the groups left with one contact after a merge into ``survivors``."""
        done = self.filtered(lambda group: group.state == "open" and len(group.partner_ids.exists()) <= 1)
        for group in done:
            kept = group.partner_ids.exists()[:1] or survivors[:1]
            group.write({"state": "merged", "date_done": fields.Datetime.now(), "merged_partner_id": kept.id})
            group.message_post(body=_("Merged into %s.", kept.display_name))
        return done

    # ------------------------------------------------------------------
    # The duplicate job
    # ------------------------------------------------------------------

    @api.model
    def _threshold(self):
        value = self.env["ir.config_parameter"].sudo().get_param(THRESHOLD_PARAM)
        try:
            return int(value) if value else duplicates.DUPLICATE_THRESHOLD
        except ValueError:
            return duplicates.DUPLICATE_THRESHOLD

    @api.model
    def _candidate_pairs_query(self):
        """Pairs of active contacts sharing a mailbox, a phone or an address, with the evidence.

        Self-joins of the keys, each key used only when it is shared by a few contacts (a
        switchboard or an office address is not a person); a company and its own contacts,
        people and companies, and contacts of two different companies are never paired.
        """

        def shared(column_sql):
            return SQL(
                """
                SELECT id, key FROM (
                    SELECT id, key, count(*) OVER (PARTITION BY key) AS n
                      FROM (%s) keys(id, key)
                ) counted
                 WHERE n BETWEEN 2 AND %s
                """,
                column_sql,
                duplicates.MAX_KEY_GROUP,
            )

        return SQL(
            """
            WITH person AS MATERIALIZED (
                SELECT id, email_dedup_key, address_key, phone_e164, mobile_e164
                  FROM res_partner
                 WHERE active AND forgotten_date IS NULL
                   AND (email_dedup_key IS NOT NULL OR phone_e164 IS NOT NULL OR mobile_e164 IS NOT NULL
                        OR address_key IS NOT NULL)
            ),
            by_email AS (%(by_email)s),
            by_phone AS (%(by_phone)s),
            by_address AS (%(by_address)s),
            candidate AS MATERIALIZED (
                SELECT a.id AS a, b.id AS b FROM by_email a JOIN by_email b ON b.key = a.key AND b.id > a.id
                 UNION
                SELECT a.id, b.id FROM by_phone a JOIN by_phone b ON b.key = a.key AND b.id > a.id
                 UNION
                SELECT a.id, b.id FROM by_address a JOIN by_address b ON b.key = a.key AND b.id > a.id
            )
            -- the few candidates read their two contacts by primary key
            SELECT pa.id, pb.id, GREATEST(COALESCE(pa.company_id, 0), COALESCE(pb.company_id, 0)),
                   COALESCE(pa.email_dedup_key = pb.email_dedup_key, false),
                   COALESCE(pa.phone_e164 IN (pb.phone_e164, pb.mobile_e164)
                            OR pa.mobile_e164 IN (pb.phone_e164, pb.mobile_e164), false),
                   COALESCE(pa.address_key = pb.address_key, false),
                   COALESCE(%(similarity)s, 0),
                   pa.name_key, pb.name_key, pa.email, pb.email, pa.name, pb.name
              FROM candidate c
              JOIN res_partner pa ON pa.id = c.a
              JOIN res_partner pb ON pb.id = c.b
             WHERE pa.is_company = pb.is_company
               AND (pa.company_id = pb.company_id OR pa.company_id IS NULL OR pb.company_id IS NULL)
               AND pa.parent_id IS DISTINCT FROM pb.id AND pb.parent_id IS DISTINCT FROM pa.id
            """,
            by_email=shared(SQL("SELECT id, email_dedup_key FROM person WHERE email_dedup_key IS NOT NULL")),
            by_phone=shared(
                SQL(
                    "SELECT id, phone_e164 FROM person WHERE phone_e164 IS NOT NULL "
                    "UNION SELECT id, mobile_e164 FROM person WHERE mobile_e164 IS NOT NULL"
                )
            ),
            by_address=shared(SQL("SELECT id, address_key FROM person WHERE address_key IS NOT NULL")),
            # without pg_trgm the names are still compared, word by word (tools/duplicates.name_match)
            similarity=SQL("similarity(pa.name_key, pb.name_key)") if has_trigram(self.env.cr) else SQL("NULL"),
        )

    @api.model
    def _dismissed_pairs(self):
        self.env.cr.execute(
            """
            SELECT r1.partner_id, r2.partner_id
              FROM ecrm_duplicate_group g
              JOIN ecrm_duplicate_group_res_partner_rel r1 ON r1.group_id = g.id
              JOIN ecrm_duplicate_group_res_partner_rel r2 ON r2.group_id = g.id AND r2.partner_id > r1.partner_id
             WHERE g.state = 'dismissed'
            """
        )
        return set(self.env.cr.fetchall())

    @api.model
    def _scored_pairs(self):
        """``{company or 0: [(a, b, score, similarity, reasons)]}`` of the pairs at or over the threshold."""
        threshold = self._threshold()
        dismissed = self._dismissed_pairs()
        self.env.cr.execute(self._candidate_pairs_query())
        by_company = defaultdict(list)
        names = {}
        for (
            a,
            b,
            company,
            same_email,
            same_phone,
            same_address,
            similarity,
            key_a,
            key_b,
            email_a,
            email_b,
            name_a,
            name_b,
        ) in self.env.cr.fetchall():
            if (a, b) in dismissed:
                continue
            name = duplicates.name_match(key_a, key_b, similarity)
            score = duplicates.pair_score(same_email, same_phone, same_address, name)
            if score < threshold:
                continue
            email_reason = email_quality.variation(email_a, email_b) if same_email else None
            reasons = duplicates.pair_reasons(email_reason, same_phone, same_address, name, similarity)
            by_company[company].append((a, b, score, round(similarity, 2), reasons))
            names[a], names[b] = name_a, name_b
        return by_company, names

    @api.model
    def _detect_duplicates(self):
        """Find the duplicate groups of the whole population and bring the open groups up to date.

        Open groups still found are kept (score and reasons refreshed), new ones are
        created, those no longer found are removed; merged and dismissed groups stay as they
        are. Returns counts: pairs, created, updated, removed, open_groups, seconds.
        """
        started = time.perf_counter()
        self.env.flush_all()
        by_company, names = self._scored_pairs()
        found = {}
        for company, pairs in by_company.items():
            pairs_of = defaultdict(list)
            components = connected_components((a, b) for a, b, *_rest in pairs)
            member_of = {member: tuple(members) for members in components for member in members}
            for pair in pairs:
                pairs_of[member_of[pair[0]]].append(pair)
            for members, group_pairs in pairs_of.items():
                group_pairs.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
                found[company, members] = group_pairs

        self.env.cr.execute(
            """
            SELECT g.id, COALESCE(g.company_id, 0), array_agg(r.partner_id ORDER BY r.partner_id), g.score, g.reasons
              FROM ecrm_duplicate_group g
              JOIN ecrm_duplicate_group_res_partner_rel r ON r.group_id = g.id
             WHERE g.state = 'open'
             GROUP BY g.id
            """
        )
        existing = {
            (company, tuple(members)): (group_id, score, reasons)
            for group_id, company, members, score, reasons in self.env.cr.fetchall()
        }
        obsolete = [group_id for key, (group_id, _score, _reasons) in existing.items() if key not in found]
        updates, refreshed_ids, to_create = [], [], []
        for key, group_pairs in found.items():
            score = group_pairs[0][2]
            reasons = duplicates.merge_reasons(pair[4] for pair in group_pairs)
            if key in existing:
                group_id, old_score, old_reasons = existing[key]
                refreshed_ids.append(group_id)
                if (old_score, old_reasons) != (score, reasons):
                    updates.append((group_id, score, reasons))
            else:
                to_create.append((key, score, reasons))

        if obsolete:
            self.browse(obsolete).unlink()
        if updates:
            self.env.cr.execute(
                SQL(
                    """
                UPDATE ecrm_duplicate_group g
                   SET score = v.score, reasons = v.reasons, write_date = now() AT TIME ZONE 'UTC'
                  FROM unnest(%s::int[], %s::int[], %s::varchar[]) AS v(id, score, reasons)
                 WHERE g.id = v.id
                """,
                    [u[0] for u in updates],
                    [u[1] for u in updates],
                    [u[2] for u in updates],
                )
            )
        new_ids = self._insert_groups(to_create, names)
        # the pairs of every open group found are rewritten: their scores follow the data
        group_ids = refreshed_ids + new_ids
        keys = [key for key in found if key in existing] + [key for key, _score, _reasons in to_create]
        self._insert_pairs(group_ids, [found[key] for key in keys])
        self.invalidate_model()
        self.env["ecrm.duplicate.pair"].invalidate_model()
        self.env["res.partner"].invalidate_model(["duplicate_group_ids"])
        stats = {
            "pairs": sum(len(pairs) for pairs in found.values()),
            "created": len(new_ids),
            "updated": len(updates),
            "removed": len(obsolete),
            "open_groups": len(found),
            "seconds": round(time.perf_counter() - started, 3),
        }
        _logger.info("Duplicate contacts: %s", stats)
        return stats

    @api.model
    def _insert_groups(self, to_create, names):
        """Insert the new groups in three statements; returns their ids in the order of ``to_create``."""
        if not to_create:
            return []
        cr = self.env.cr
        cr.execute(SQL("SELECT nextval(%s) FROM generate_series(1, %s)", "%s_id_seq" % self._table, len(to_create)))
        ids = [row[0] for row in cr.fetchall()]
        labels = []
        for (_company, members), _score, _reasons in to_create:
            first = names.get(members[0]) or _("Contact #%s", members[0])
            labels.append(_("%(name)s and %(count)s more", name=first, count=len(members) - 1))
        cr.execute(
            SQL(
                """
            INSERT INTO ecrm_duplicate_group (id, name, company_id, state, score, reasons, date_found,
                                              create_uid, write_uid, create_date, write_date)
            SELECT v.id, v.name, NULLIF(v.company, 0), 'open', v.score, v.reasons, now() AT TIME ZONE 'UTC',
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM unnest(%(ids)s::int[], %(names)s::varchar[], %(companies)s::int[], %(scores)s::int[],
                          %(reasons)s::varchar[])
                   AS v(id, name, company, score, reasons)
            """,
                uid=self.env.uid,
                ids=ids,
                names=labels,
                companies=[key[0] for key, _score, _reasons in to_create],
                scores=[score for _key, score, _reasons in to_create],
                reasons=[reasons for _key, _score, reasons in to_create],
            )
        )
        group_col, partner_col = [], []
        for group_id, ((_company, members), _score, _reasons) in zip(ids, to_create, strict=True):
            group_col.extend([group_id] * len(members))
            partner_col.extend(members)
        cr.execute(
            SQL(
                """
            INSERT INTO ecrm_duplicate_group_res_partner_rel (group_id, partner_id)
            SELECT * FROM unnest(%s::int[], %s::int[])
            """,
                group_col,
                partner_col,
            )
        )
        return ids

    @api.model
    def _insert_pairs(self, group_ids, pair_lists):
        cr = self.env.cr
        if not group_ids:
            return
        cr.execute(SQL("DELETE FROM ecrm_duplicate_pair WHERE group_id = ANY(%s)", group_ids))
        columns = defaultdict(list)
        for group_id, pairs in zip(group_ids, pair_lists, strict=True):
            for a, b, score, similarity, reasons in pairs:
                columns["group"].append(group_id)
                columns["a"].append(a)
                columns["b"].append(b)
                columns["score"].append(score)
                columns["similarity"].append(similarity)
                columns["reasons"].append(", ".join(reasons))
        cr.execute(
            SQL(
                """
            INSERT INTO ecrm_duplicate_pair (group_id, company_id, partner_a_id, partner_b_id, score, name_similarity,
                                             reasons, create_uid, write_uid, create_date, write_date)
            SELECT v.group_id, g.company_id, v.a, v.b, v.score, v.similarity, v.reasons,
                   %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM unnest(%(groups)s::int[], %(a)s::int[], %(b)s::int[], %(scores)s::int[], %(similarities)s::float[],
                          %(reasons)s::varchar[]) AS v(group_id, a, b, score, similarity, reasons)
              JOIN ecrm_duplicate_group g ON g.id = v.group_id
            """,
                uid=self.env.uid,
                groups=columns["group"],
                a=columns["a"],
                b=columns["b"],
                scores=columns["score"],
                similarities=columns["similarity"],
                reasons=columns["reasons"],
            )
        )
