from . import ecrm_reward_rule
