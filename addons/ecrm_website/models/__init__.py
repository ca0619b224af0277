from . import ir_http
from . import res_users
from . import website_track
from . import website_visitor
from . import res_partner
