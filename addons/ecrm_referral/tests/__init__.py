from . import (
    test_referral_concurrency,
    test_referral_footer,
    test_referral_fraud,
    test_referral_online,
    test_referral_rewards,
    test_referral_security,
)
