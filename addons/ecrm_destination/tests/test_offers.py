from datetime import date, timedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import DestinationCommon


@tagged("post_install", "-at_install", "ecrm_destination")
class TestOffers(DestinationCommon):
    """D5: seed 001's two travellers get exactly their offers, with the reason shown to staff."""

    def setUp(self):
        super().setUp()
        today = date.today()
        self.graduate_trip = self._trip(
            self.graduate,
            today + timedelta(days=14),
            today + timedelta(days=14 + 91),
            destination_area="Buenos Aires",
            destination_country_id=self.argentina.id,
            party_type="friends",
            party_size=2,
            accommodation="hostel",
        )
        self.family_trip = self._trip(
            self.mother,
            today + timedelta(days=20),
            today + timedelta(days=27),
            destination_country_id=self.iran.id,
            party_type="family_young",
            party_size=4,
            accommodation="hotel",
        )

    def test_seed_travellers_get_exactly_their_offers(self):
        self.assertEqual(
            self.graduate_trip.offer_rule_ids.product_id,
            self.rule_insurance.product_id | self.rule_phone_card.product_id,
        )
        self.assertEqual(self.family_trip.offer_rule_ids.product_id, self.rule_child_care.product_id)
        # the same offers on the visitor profiles, with the reason staff read
        self.assertEqual(
            self.graduate.visitor_offer_rule_ids.product_id,
            self.rule_insurance.product_id | self.rule_phone_card.product_id,
        )
        self.assertEqual(self.mother.visitor_offer_rule_ids, self.rule_child_care)
        self.assertTrue(self.mother.visitor_offer_rule_ids.reason)

    def test_near_misses_get_nothing(self):
        # eight years older (31), no longer a young graduate: the phone card stays, the insurance goes
        self.graduate.birth_date = self.graduate.birth_date - timedelta(days=366 * 8)
        self.assertEqual(self.graduate_trip.offer_rule_ids.product_id, self.rule_phone_card.product_id)
        # the family in an apartment gets no hotel child care
        self.family_trip.accommodation = "apartment"
        self.assertFalse(self.family_trip.offer_rule_ids)

    def test_booked_product_is_not_offered_again(self):
        self.graduate_trip.activity_product_ids = self.rule_phone_card.product_id
        self.assertEqual(self.graduate_trip.offer_rule_ids.product_id, self.rule_insurance.product_id)

    def test_past_trips_feed_no_offers_on_the_profile(self):
        self.family_trip.write({"date_start": date(2020, 1, 1), "date_end": date(2020, 1, 8)})
        self.assertEqual(self.family_trip.phase, "after")
        self.assertFalse(self.mother.visitor_offer_rule_ids)

    def test_rule_ranges_are_checked(self):
        with self.assertRaises(ValidationError):
            self.rule_child_care.copy({"age_min": 40, "age_max": 30})
        with self.assertRaises(ValidationError):
            self.rule_child_care.copy({"trip_days_min": -1})
