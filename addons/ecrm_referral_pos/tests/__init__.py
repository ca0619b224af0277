from . import test_referral_pos
