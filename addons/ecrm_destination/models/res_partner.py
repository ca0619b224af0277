from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.phases import PHASES, visitor_phase

COMPANION_TYPES = [
    ("alone", "Alone"),
    ("partner", "With a partner"),
    ("friends", "With friends"),
    ("family", "With family"),
    ("group", "In a group"),
]
BUDGET_BANDS = [
    ("budget", "Budget"),
    ("mid", "Mid-range"),
    ("premium", "Premium"),
    ("luxury", "Luxury"),
]


class ResPartner(models.Model):
    """The visitor profile (D2, C4) on the contact: travel companions, budget, needs, channels and trips."""

    _inherit = "res.partner"

    companion_type = fields.Selection(COMPANION_TYPES, string="Usually Travels")
    budget_band = fields.Selection(BUDGET_BANDS, string="Travel Budget")
    accessibility_needs = fields.Text(help="Mobility, sight, hearing, diet or other needs to plan for.")
    preferred_language_ids = fields.Many2many(
        "res.lang",
        "ecrm_partner_preferred_lang_rel",
        "partner_id",
        "lang_id",
        string="Preferred Languages",
        context={"active_test": False},
        help="Languages the visitor wants information and guiding in.",
    )
    info_channel_ids = fields.Many2many(
        "ecrm.channel",
        "ecrm_partner_info_channel_rel",
        "partner_id",
        "channel_id",
        string="Information Channels",
        domain=[("visitor_information", "=", True)],
        help="Where the visitor looks for travel information, as they told us (D3).",
    )
    trip_ids = fields.One2many("ecrm.trip", "partner_id", string="Trips")
    trip_count = fields.Integer(compute="_compute_trip_count")
    visitor_phase = fields.Selection(
        PHASES,
        compute="_compute_visitor_phase",
        store=True,
        index="btree_not_null",
        help="Travelling now, else planning an upcoming trip, else back from one.",
    )
    info_need_ids = fields.Many2many(
        "ecrm.destination.info.need",
        compute="_compute_info_need_ids",
        string="What to Send Now",
        help="The information needs of the visitor's current phase that fit their interests.",
    )
    visitor_offer_rule_ids = fields.Many2many(
        "ecrm.destination.offer.rule",
        compute="_compute_visitor_offer_rule_ids",
        string="Next-Best Offers",
        help="Offers matching the visitor and their current or upcoming trips.",
    )
    searched_channel_ids = fields.Many2many(
        "ecrm.channel",
        compute="_compute_visitor_behaviour",
        string="Channels Used",
        help="Channels of the visitor's own touchpoints: where they actually searched and asked.",
    )
    booked_product_ids = fields.Many2many(
        "product.product",
        compute="_compute_visitor_behaviour",
        string="Booked",
        help="Activities booked on the visitor's trips.",
    )

    @api.depends("trip_ids")
    def _compute_trip_count(self):
        counts = dict(self.env["ecrm.trip"]._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"]))
        for partner in self:
            partner.trip_count = counts.get(partner._origin, 0)

    @api.depends("trip_ids.phase", "trip_ids.active")
    def _compute_visitor_phase(self):
        for partner in self:
            partner.visitor_phase = visitor_phase(partner.sudo().trip_ids.mapped("phase"))

    @api.depends("visitor_phase", "interest_tag_ids")
    def _compute_info_need_ids(self):
        needs = self.env["ecrm.destination.info.need"].search([("phase", "!=", False)])
        for partner in self:
            partner.info_need_ids = needs.filtered(
                lambda need, p=partner: (
                    need.phase == p.visitor_phase
                    and (not need.interest_tag_ids or need.interest_tag_ids & p.interest_tag_ids)
                )
            )

    @api.depends("trip_ids.phase")
    def _compute_visitor_offer_rule_ids(self):
        trips = self.trip_ids.filtered(lambda t: t.phase in ("before", "during"))
        matches = self.env["ecrm.destination.offer.rule"]._match_trips(trips)
        for partner in self:
            rules = self.env["ecrm.destination.offer.rule"]
            for trip in trips.filtered(lambda t, p=partner: t.partner_id == p):
                rules |= matches[trip]
            partner.visitor_offer_rule_ids = rules

    def _compute_visitor_behaviour(self):
        Touchpoint = self.env["ecrm.touchpoint"]
        channels = {}
        if Touchpoint.has_access("read"):
            groups = Touchpoint._read_group(
                [("partner_id", "in", self.ids), ("direction", "=", "inbound"), ("channel_id", "!=", False)],
                ["partner_id"],
                ["channel_id:array_agg"],
            )
            channels = {partner: channel_ids for partner, channel_ids in groups}
        for partner in self:
            partner.searched_channel_ids = self.env["ecrm.channel"].browse(set(channels.get(partner._origin, ())))
            partner.booked_product_ids = partner.trip_ids.activity_product_ids

    def action_view_trips(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_destination.ecrm_trip_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    @api.model
    def _visitor_language_choices(self):
        """Languages a visitor can pick: the installed ones and any another visitor already prefers."""
        self.flush_model(["preferred_language_ids"])
        self.env.cr.execute(SQL("SELECT DISTINCT lang_id FROM ecrm_partner_preferred_lang_rel"))
        used_ids = [row[0] for row in self.env.cr.fetchall()]
        return (
            self.env["res.lang"]
            .sudo()
            .with_context(active_test=False)
            .search(["|", ("active", "=", True), ("id", "in", used_ids)], order="name")
        )

    @api.model
    def _visitor_portal_values(self, partner):
        """What the visitor portal shows: the visitor's own trips and the choices for their preferences."""
        trips = self.env["ecrm.trip"].search([("partner_id", "=", partner.id)])
        return {
            "trips": trips.sudo(),
            "visitor": partner.sudo(),
            "interest_tags": self.env["ecrm.profile.tag"].sudo().search([("kind", "in", ("interest", "lifestyle"))]),
            "info_channels": self.env["ecrm.channel"].sudo().search([("visitor_information", "=", True)]),
            "languages": self._visitor_language_choices(),
            "budget_bands": self._fields["budget_band"]._description_selection(self.env),
        }

    def _update_visitor_preferences(self, interest_ids, channel_ids, lang_ids, budget_band, accessibility_needs):
        """Save what a visitor changed on the portal (D6); only the offered choices are accepted."""
        self.ensure_one()
        Tag, Channel = self.env["ecrm.profile.tag"], self.env["ecrm.channel"]
        allowed_tags = Tag.sudo().search([("kind", "in", ("interest", "lifestyle"))])
        allowed_channels = Channel.sudo().search([("visitor_information", "=", True)])
        allowed_langs = self._visitor_language_choices()
        budgets = dict(BUDGET_BANDS)
        self.sudo().write(
            {
                "interest_tag_ids": [fields.Command.set(allowed_tags.filtered(lambda t: t.id in interest_ids).ids)],
                "info_channel_ids": [fields.Command.set(allowed_channels.filtered(lambda c: c.id in channel_ids).ids)],
                "preferred_language_ids": [fields.Command.set(allowed_langs.filtered(lambda x: x.id in lang_ids).ids)],
                "budget_band": budget_band if budget_band in budgets else False,
                "accessibility_needs": (accessibility_needs or "").strip()[:2000] or False,
            }
        )
