from . import ecrm_referral_reward
from . import pos_order
