from . import test_landing
