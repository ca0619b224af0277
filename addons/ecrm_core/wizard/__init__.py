from . import base_partner_merge_automatic_wizard
from . import ecrm_forget_wizard
