from . import test_campaign, test_offers, test_portal, test_security, test_tour, test_trip_phase
