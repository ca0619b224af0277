from . import test_referral_pos
from . import test_referral_pos_concurrency
from . import test_referral_pos_tour
