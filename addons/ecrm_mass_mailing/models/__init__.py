from . import ecrm_segment
from . import mailing_subscription
from . import res_partner
