from . import test_visit_tools
from . import test_web_visit
from . import test_forget_visitor
