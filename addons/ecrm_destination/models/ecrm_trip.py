import csv
import io
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools.phases import PHASES, local_today, trip_days, trip_phase

PURPOSES = [
    ("leisure", "Leisure & holidays"),
    ("culture", "Culture & heritage"),
    ("business", "Business"),
    ("friends_family", "Visiting friends & relatives"),
    ("pilgrimage", "Pilgrimage"),
    ("study", "Study"),
    ("health", "Health & wellness"),
]
PARTY_TYPES = [
    ("solo", "Solo"),
    ("couple", "Couple"),
    ("friends", "Friends"),
    ("family_young", "Family with young children"),
    ("family_teen", "Family with teenagers"),
    ("group", "Group / tour"),
    ("business", "Colleagues"),
]
ACCOMMODATIONS = [
    ("hotel", "Hotel"),
    ("traditional", "Traditional guesthouse"),
    ("apartment", "Apartment"),
    ("hostel", "Hostel"),
    ("friends", "Friends or relatives"),
    ("camping", "Camping / eco-lodge"),
    ("none", "Day trip"),
]
BOOKING_SOURCES = [
    ("website", "Destination website"),
    ("info_centre", "Tourist information centre"),
    ("phone", "Phone"),
    ("app", "Mobile app"),
    ("travel_agent", "Travel agent"),
    ("tour_operator", "Tour operator"),
    ("online_agency", "Online travel agency"),
    ("fair", "Travel fair"),
    ("direct", "Direct with the provider"),
]
# Booking source -> the eCRM channel its touchpoint is filed under (D3)
BOOKING_CHANNELS = {
    "website": "ecrm_core.ecrm_channel_website",
    "phone": "ecrm_core.ecrm_channel_phone",
    "app": "ecrm_destination.ecrm_channel_mobile_app",
    "info_centre": "ecrm_destination.ecrm_channel_info_centre",
    "fair": "ecrm_destination.ecrm_channel_fair",
}
CSV_COLUMNS = [
    "name",
    "partner_id",
    "destination_area",
    "destination_country_id",
    "date_start",
    "date_end",
    "duration_days",
    "phase",
    "purpose",
    "party_type",
    "party_size",
    "accommodation",
    "booking_source",
    "spend",
]


class EcrmTrip(models.Model):
    """One trip of a visitor to the destination (D1, D2): its phase drives what the visitor needs to know."""

    _name = "ecrm.trip"
    _description = "Visitor Trip"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"

    name = fields.Char(compute="_compute_name", store=True, readonly=False, precompute=True, required=True)
    partner_id = fields.Many2one("res.partner", string="Visitor", required=True, index=True, tracking=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    active = fields.Boolean(default=True)
    destination_area = fields.Char(
        string="Area", required=True, tracking=True, help="Where in the destination: a city, a valley, a quarter."
    )
    destination_country_id = fields.Many2one(
        "res.country", string="Destination Country", default=lambda self: self.env.company.country_id
    )
    date_start = fields.Date(string="Arrival", required=True, tracking=True)
    date_end = fields.Date(string="Departure", required=True, tracking=True)
    duration_days = fields.Integer(string="Days", compute="_compute_duration_days", store=True, precompute=True)
    time_zone = fields.Char(
        compute="_compute_time_zone",
        store=True,
        readonly=False,
        precompute=True,
        help="The day changes at midnight in this zone: the visitor's, else the company's, else UTC.",
    )
    phase = fields.Selection(
        PHASES,
        compute="_compute_phase",
        store=True,
        precompute=True,
        index=True,
        group_expand="_read_group_expand_phase",
        help="From the dates in the trip's time zone, kept current every hour by a scheduled action.",
    )
    purpose = fields.Selection(PURPOSES, default="leisure", tracking=True)
    party_type = fields.Selection(PARTY_TYPES, string="Travelling As", default="solo", tracking=True)
    party_size = fields.Integer(default=1, help="People travelling together, the visitor included.")
    accommodation = fields.Selection(ACCOMMODATIONS)
    accommodation_name = fields.Char(string="Staying At")
    activity_product_ids = fields.Many2many("product.product", string="Activities Booked")
    spend = fields.Monetary(currency_field="currency_id", help="What the party spent at the destination.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    booking_source = fields.Selection(BOOKING_SOURCES, string="Booked Through")
    notes = fields.Html()
    offer_rule_ids = fields.Many2many(
        "ecrm.destination.offer.rule",
        string="Offers",
        compute="_compute_offer_rule_ids",
        help="Next-best offers whose rules this visitor and trip match.",
    )

    _sql_constraints = [
        ("party_size_positive", "CHECK(party_size > 0)", "A party has at least one traveller."),
        ("spend_positive", "CHECK(spend >= 0)", "The spend cannot be negative."),
    ]

    @api.depends("partner_id", "destination_area", "date_start")
    def _compute_name(self):
        for trip in self:
            parts = [trip.partner_id.name, trip.destination_area, trip.date_start and str(trip.date_start)]
            trip.name = " - ".join(part for part in parts if part) or self.env._("New trip")

    @api.depends("date_start", "date_end")
    def _compute_duration_days(self):
        for trip in self:
            trip.duration_days = trip_days(trip.date_start, trip.date_end)

    @api.depends("partner_id.tz", "company_id")
    def _compute_time_zone(self):
        for trip in self:
            trip.time_zone = trip.partner_id.tz or trip.company_id.partner_id.tz or "UTC"

    @api.depends("date_start", "date_end", "time_zone")
    def _compute_phase(self):
        now = fields.Datetime.now()
        for trip in self:
            trip.phase = trip_phase(trip.date_start, trip.date_end, local_today(now, trip.time_zone))

    @api.depends_context("uid")
    @api.depends(
        "partner_id", "phase", "party_type", "purpose", "accommodation", "duration_days", "activity_product_ids"
    )
    def _compute_offer_rule_ids(self):
        matches = self.env["ecrm.destination.offer.rule"]._match_trips(self)
        for trip in self:
            trip.offer_rule_ids = matches[trip]

    def _read_group_expand_phase(self, phases, domain):
        """The three phases, in the order of a trip, as columns even when empty."""
        return [key for key, _label in PHASES]

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for trip in self:
            if trip.date_end < trip.date_start:
                raise ValidationError(
                    self.env._("Trip '%s': the departure must be on or after the arrival.", trip.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        trips = super().create(vals_list)
        trips._record_booking_touchpoints()
        return trips

    def _record_booking_touchpoints(self):
        """Each trip becomes a purchase touchpoint on the visitor's timeline, filed under its booking channel (D2)."""
        vals_list = []
        for trip in self:
            xmlid = BOOKING_CHANNELS.get(trip.booking_source)
            channel = self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None
            vals_list.append(
                {
                    "partner_id": trip.partner_id.id,
                    "company_id": trip.company_id.id,
                    "touchpoint_type": "purchase",
                    "direction": "inbound",
                    "summary": self.env._("Trip booked: %(trip)s", trip=trip.name),
                    "res_model": self._name,
                    "res_id": trip.id,
                    "external_id": f"ecrm.trip-{trip.id}",
                    "amount": trip.spend,
                    "currency_id": trip.currency_id.id,
                    **({"channel_id": channel.id} if channel else {}),
                }
            )
        self.env["ecrm.touchpoint"]._record(vals_list)

    @api.model
    def _cron_update_phases(self):
        """Move trips to their current phase, one UPDATE per time zone, then their visitors, in one UPDATE.

        Returns the ids of the trips whose phase changed.
        """
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT DISTINCT time_zone FROM ecrm_trip WHERE active"))
        now = fields.Datetime.now()
        changed_ids = []
        for (tz,) in self.env.cr.fetchall():
            today = local_today(now, tz)
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE ecrm_trip SET phase = CASE
                            WHEN %(today)s < date_start THEN 'before'
                            WHEN %(today)s <= date_end THEN 'during'
                            ELSE 'after' END
                     WHERE active AND time_zone IS NOT DISTINCT FROM %(tz)s
                       AND phase IS DISTINCT FROM CASE
                            WHEN %(today)s < date_start THEN 'before'
                            WHEN %(today)s <= date_end THEN 'during'
                            ELSE 'after' END
                 RETURNING id
                    """,
                    today=today,
                    tz=tz,
                )
            )
            changed_ids += [row[0] for row in self.env.cr.fetchall()]
        if changed_ids:
            # the visitors of those trips: travelling now, else an upcoming trip, else a past one (visitor_phase)
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE res_partner p SET visitor_phase = s.phase
                      FROM (SELECT partner_id,
                                   CASE WHEN bool_or(phase = 'during') THEN 'during'
                                        WHEN bool_or(phase = 'before') THEN 'before'
                                        ELSE 'after' END AS phase
                              FROM ecrm_trip
                             WHERE active AND partner_id IN (SELECT partner_id FROM ecrm_trip WHERE id = ANY(%s))
                          GROUP BY partner_id) s
                     WHERE p.id = s.partner_id AND p.visitor_phase IS DISTINCT FROM s.phase
                    """,
                    changed_ids,
                )
            )
            self.invalidate_model(["phase"])
            self.env["res.partner"].invalidate_model(["visitor_phase"])
        return changed_ids

    def action_export_csv(self):
        """Download the selected trips as CSV for analysis over time (D7)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([self._fields[name]._description_string(self.env) for name in CSV_COLUMNS])
        selections = defaultdict(dict)
        for field_name in CSV_COLUMNS:
            field = self._fields[field_name]
            if field.type == "selection":
                selections[field_name] = dict(field._description_selection(self.env))
        for trip in self:
            row = []
            for field_name in CSV_COLUMNS:
                value = trip[field_name]
                if field_name in selections:
                    value = selections[field_name].get(value, "")
                elif isinstance(value, models.BaseModel):
                    value = value.display_name or ""
                row.append(value if value is not False else "")
            writer.writerow(row)
        attachment = self.env["ir.attachment"].create(
            {
                "name": "trips.csv",
                "raw": buffer.getvalue().encode("utf-8-sig"),
                "mimetype": "text/csv",
                "res_model": self._name,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
