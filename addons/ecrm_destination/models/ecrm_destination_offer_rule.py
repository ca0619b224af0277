from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.offers import matching_rules
from ..tools.phases import PHASES
from .ecrm_trip import ACCOMMODATIONS, PARTY_TYPES, PURPOSES

EDUCATION_LEVELS = [
    ("primary", "Primary school"),
    ("secondary", "Secondary school"),
    ("diploma", "Diploma"),
    ("bachelor", "Graduate (bachelor)"),
    ("master", "Master"),
    ("doctorate", "Doctorate"),
]


class EcrmDestinationOfferRule(models.Model):
    """Next-best offer (D5): a product or service offered to the travellers who match every criterion set."""

    _name = "ecrm.destination.offer.rule"
    _description = "Next-Best-Offer Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10, help="When two rules offer the same product, the first one gives the reason.")
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, help="Leave empty to use the rule in every company."
    )
    product_id = fields.Many2one("product.product", string="Offer", required=True, tracking=True)
    reason = fields.Text(
        required=True, translate=True, help="Why this traveller gets the offer, shown to staff next to it."
    )
    # Visitor criteria; empty means any
    age_min = fields.Integer(string="Minimum Age", help="0: no minimum. A visitor whose age is unknown never matches.")
    age_max = fields.Integer(string="Maximum Age", help="0: no maximum. A visitor whose age is unknown never matches.")
    education_min = fields.Selection(EDUCATION_LEVELS, string="Minimum Education")
    children_min = fields.Integer(string="Minimum Children", help="Children at home, from the visitor's profile.")
    gender = fields.Selection([("female", "Female"), ("male", "Male"), ("other", "Other")])
    interest_tag_ids = fields.Many2many(
        "ecrm.profile.tag",
        string="Interests",
        domain=[("kind", "in", ("interest", "lifestyle"))],
        help="The visitor has at least one of these interests.",
    )
    # Trip criteria; empty means any
    party_type = fields.Selection(PARTY_TYPES, string="Travelling As")
    purpose = fields.Selection(PURPOSES)
    phase = fields.Selection(PHASES, help="Offer only while the trip is in this phase.")
    accommodation = fields.Selection(ACCOMMODATIONS)
    trip_days_min = fields.Integer(string="Trip at Least (days)")
    trip_days_max = fields.Integer(string="Trip at Most (days)", help="0: no maximum.")
    destination_country_ids = fields.Many2many("res.country", string="Destination Countries")
    abroad_only = fields.Boolean(
        string="Travelling Abroad", help="Only trips to another country than the one the visitor lives in."
    )

    @api.constrains("age_min", "age_max", "trip_days_min", "trip_days_max", "children_min")
    def _check_ranges(self):
        for rule in self:
            if min(rule.age_min, rule.age_max, rule.trip_days_min, rule.trip_days_max, rule.children_min) < 0:
                raise ValidationError(
                    self.env._("Ages, trip lengths and children cannot be negative in '%s'.", rule.name)
                )
            if rule.age_max and rule.age_min > rule.age_max:
                raise ValidationError(self.env._("The minimum age is above the maximum age in '%s'.", rule.name))
            if rule.trip_days_max and rule.trip_days_min > rule.trip_days_max:
                raise ValidationError(
                    self.env._("The shortest trip is longer than the longest trip in '%s'.", rule.name)
                )

    def _as_criteria(self):
        """The rules as plain dicts for tools/offers.py."""
        return [
            {
                "id": rule.id,
                "product_id": rule.product_id.id,
                "age_min": rule.age_min,
                "age_max": rule.age_max,
                "education_min": rule.education_min,
                "children_min": rule.children_min,
                "gender": rule.gender,
                "interest_ids": set(rule.interest_tag_ids.ids),
                "party_types": {rule.party_type} if rule.party_type else set(),
                "purposes": {rule.purpose} if rule.purpose else set(),
                "phases": {rule.phase} if rule.phase else set(),
                "accommodations": {rule.accommodation} if rule.accommodation else set(),
                "trip_days_min": rule.trip_days_min,
                "trip_days_max": rule.trip_days_max,
                "country_ids": set(rule.destination_country_ids.ids),
                "abroad_only": rule.abroad_only,
            }
            for rule in self
        ]

    @api.model
    def _match_trips(self, trips):
        """{trip: offer rules} for the trips, with the active rules of each trip's company (or shared ones)."""
        rules = self.sudo().search([])
        result = {}
        for trip in trips:
            company_rules = rules.filtered(lambda r, t=trip: not r.company_id or r.company_id == t.company_id)
            partner = trip.partner_id
            visitor = {
                "age": partner.age if partner.birth_date else None,
                "education": partner.education,
                "children_count": partner.children_count,
                "gender": partner.gender,
                "country_id": partner.country_id.id,
                "interest_ids": set(partner.interest_tag_ids.ids),
            }
            facts = {
                "party_type": trip.party_type,
                "purpose": trip.purpose,
                "phase": trip.phase,
                "accommodation": trip.accommodation,
                "days": trip.duration_days,
                "country_id": trip.destination_country_id.id,
                "booked_product_ids": set(trip.activity_product_ids.ids),
            }
            result[trip] = self.browse(matching_rules(company_rules._as_criteria(), visitor, facts))
        return result
