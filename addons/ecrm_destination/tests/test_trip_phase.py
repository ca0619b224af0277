from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import DestinationCommon


@tagged("post_install", "-at_install", "ecrm_destination")
class TestTripPhase(DestinationCommon):
    """D1: a trip's phase follows its dates in the traveller's time zone; the cron keeps it current."""

    def test_phase_in_the_travellers_time_zone(self):
        berliner = self.env["res.partner"].create({"name": "Berlin Visitor", "tz": "Europe/Berlin"})
        # 20:45 UTC on 9 March: already 10 March (the arrival day) in Tehran, still 9 March in Berlin
        with freeze_time(datetime(2026, 3, 9, 20, 45)):
            tehran_trip = self._trip(self.graduate, date(2026, 3, 10), date(2026, 3, 12))
            berlin_trip = self._trip(berliner, date(2026, 3, 10), date(2026, 3, 12))
            self.assertEqual(tehran_trip.time_zone, "Asia/Tehran")
            self.assertEqual(tehran_trip.phase, "during")
            self.assertEqual(berlin_trip.phase, "before")
            self.assertEqual(self.graduate.visitor_phase, "during")
            self.assertEqual(berliner.visitor_phase, "before")

    def test_company_time_zone_when_the_visitor_has_none(self):
        self.company.partner_id.tz = "Asia/Tehran"
        nobody = self.env["res.partner"].create({"name": "No Zone Visitor", "tz": False})
        with freeze_time(datetime(2026, 3, 12, 21, 0)):  # 13 March in Tehran: the trip is over
            trip = self._trip(nobody, date(2026, 3, 10), date(2026, 3, 12))
        self.assertEqual(trip.time_zone, "Asia/Tehran")
        self.assertEqual(trip.phase, "after")

    def test_cron_moves_trips_across_midnight(self):
        with freeze_time(datetime(2026, 3, 9, 12, 0)):
            tehran_trip = self._trip(self.graduate, date(2026, 3, 10), date(2026, 3, 11))
            la_trip = self._trip(self.mother, date(2026, 3, 10), date(2026, 3, 11), time_zone="America/Los_Angeles")
            untouched = self._trip(self.customer, date(2026, 6, 1), date(2026, 6, 5))
        self.assertEqual((tehran_trip | la_trip).mapped("phase"), ["before", "before"])
        # 21:00 UTC on 9 March: midnight has passed in Tehran but not in Los Angeles
        with freeze_time(datetime(2026, 3, 9, 21, 0)):
            changed = self.Trip._cron_update_phases()
        self.assertIn(tehran_trip.id, changed)
        self.assertNotIn(la_trip.id, changed)
        self.assertNotIn(untouched.id, changed)
        self.assertEqual(tehran_trip.phase, "during")
        self.assertEqual(la_trip.phase, "before")
        self.assertEqual(self.graduate.visitor_phase, "during", "the visitor follows their trip")
        # 08:00 UTC on 12 March: both trips are over everywhere
        with freeze_time(datetime(2026, 3, 12, 8, 0)):
            self.Trip._cron_update_phases()
        self.assertEqual((tehran_trip | la_trip).mapped("phase"), ["after", "after"])
        self.assertEqual(self.mother.visitor_phase, "after")

    def test_current_trip_wins_over_past_and_future(self):
        with freeze_time(datetime(2026, 3, 15, 9, 0)):
            self._trip(self.graduate, date(2025, 3, 1), date(2025, 3, 5))
            self._trip(self.graduate, date(2026, 9, 1), date(2026, 9, 5))
            self.assertEqual(self.graduate.visitor_phase, "before")
            current = self._trip(self.graduate, date(2026, 3, 14), date(2026, 3, 16))
            self.assertEqual(self.graduate.visitor_phase, "during")
            current.active = False
            self.assertEqual(self.graduate.visitor_phase, "before", "an archived trip no longer counts")

    def test_information_needs_follow_the_phase(self):
        Need = self.env["ecrm.destination.info.need"]
        visa = Need.create({"name": "Test visa rules", "phase": "before"})
        maps = Need.create({"name": "Test maps", "phase": "during"})
        family = Need.create(
            {
                "name": "Test kids' activities",
                "phase": "during",
                "interest_tag_ids": [(6, 0, self.env.ref("ecrm_destination.ecrm_profile_tag_family").ids)],
            }
        )
        with freeze_time(datetime(2026, 3, 1, 9, 0)):
            self._trip(self.graduate, date(2026, 3, 10), date(2026, 3, 12))
            self.assertIn(visa, self.graduate.info_need_ids)
            self.assertNotIn(maps, self.graduate.info_need_ids)
        with freeze_time(datetime(2026, 3, 11, 9, 0)):
            self.Trip._cron_update_phases()
            self.graduate.invalidate_recordset(["info_need_ids"])
            self.assertIn(maps, self.graduate.info_need_ids)
            self.assertNotIn(visa, self.graduate.info_need_ids)
            self.assertNotIn(family, self.graduate.info_need_ids, "only for visitors interested in family holidays")

    def test_bad_dates_are_refused(self):
        with self.assertRaises(ValidationError):
            self._trip(self.graduate, date(2026, 3, 12), date(2026, 3, 10))

    def test_csv_export(self):
        trip = self._trip(self.graduate, date(2026, 3, 10), date(2026, 3, 12), spend=120)
        action = trip.action_export_csv()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        content = attachment.raw.decode("utf-8-sig")
        self.assertIn("Visitor", content.splitlines()[0])
        self.assertIn("Shirin Graduate", content)
        self.assertIn("2026-03-10", content)

    def test_booking_becomes_a_touchpoint(self):
        trip = self._trip(self.graduate, date(2026, 3, 10), date(2026, 3, 12), booking_source="info_centre", spend=250)
        touchpoint = self.touchpoints_of(self.graduate, res_model="ecrm.trip", res_id=trip.id)
        self.assertEqual(touchpoint.touchpoint_type, "purchase")
        self.assertEqual(touchpoint.amount, 250)
        info_centre = self.env.ref("ecrm_destination.ecrm_channel_info_centre")
        self.assertEqual(touchpoint.channel_id, info_centre)
        self.graduate.invalidate_recordset(["searched_channel_ids"])
        self.assertIn(info_centre, self.graduate.searched_channel_ids, "the channel the visitor used")
