from . import test_referral_consent
