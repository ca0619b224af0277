from . import test_segment_mailing
from . import test_do_not_message
