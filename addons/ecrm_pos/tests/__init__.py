from . import test_rfm_pos
