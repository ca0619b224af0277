from . import ecrm_referral_program
from . import ecrm_referral_reward
from . import pos_order
