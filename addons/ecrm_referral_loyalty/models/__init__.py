from . import ecrm_referral_program, ecrm_referral_reward
