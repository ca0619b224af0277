from datetime import date

from odoo.addons.ecrm_core.tests.common import EcrmCommon


class DestinationCommon(EcrmCommon):
    """The two travellers of seed 001 and the next-best-offer rules that reproduce its example (D5)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Trip = cls.env["ecrm.trip"]
        cls.iran = cls.env.ref("base.ir")
        cls.argentina = cls.env.ref("base.ar")
        # The seed rules: the demo ones when demo data is loaded, else the same rules built here
        cls.rule_insurance = cls._seed_rule(
            "offer_rule_insurance",
            "Extreme-sports travel insurance",
            {
                "age_min": 18,
                "age_max": 30,
                "education_min": "bachelor",
                "trip_days_min": 30,
                "party_type": "friends",
                "abroad_only": True,
            },
        )
        cls.rule_phone_card = cls._seed_rule(
            "offer_rule_phone_card", "International phone card", {"trip_days_min": 30, "abroad_only": True}
        )
        cls.rule_child_care = cls._seed_rule(
            "offer_rule_child_care",
            "Child care at the hotel",
            {"children_min": 1, "party_type": "family_young", "accommodation": "hotel"},
        )
        Partner = cls.env["res.partner"]
        cls.graduate = Partner.create(
            {
                "name": "Shirin Graduate",
                "email": "shirin@example.com",
                "birth_date": date(2026 - 23, 1, 15),
                "gender": "female",
                "education": "bachelor",
                "country_id": cls.iran.id,
                "tz": "Asia/Tehran",
            }
        )
        cls.mother = Partner.create(
            {
                "name": "Leila Mother",
                "email": "leila@example.com",
                "birth_date": date(2026 - 38, 1, 15),
                "gender": "female",
                "education": "diploma",
                "children_count": 2,
                "household_size": 4,
                "country_id": cls.iran.id,
                "tz": "Asia/Tehran",
            }
        )

    @classmethod
    def _seed_rule(cls, xmlid, product_name, criteria):
        rule = cls.env.ref(f"ecrm_destination.{xmlid}", raise_if_not_found=False)
        if rule:
            return rule
        product = cls.env["product.product"].create({"name": product_name, "type": "service"})
        return cls.env["ecrm.destination.offer.rule"].create(
            {"name": product_name, "product_id": product.id, "reason": f"Seed 001: {product_name}", **criteria}
        )

    @classmethod
    def _trip(cls, partner, start, end, **values):
        return cls.Trip.create(
            {"partner_id": partner.id, "destination_area": "Isfahan", "date_start": start, "date_end": end, **values}
        )
