from . import test_referral_loyalty
