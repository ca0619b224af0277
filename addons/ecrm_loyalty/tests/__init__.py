from . import test_loyalty_reward
