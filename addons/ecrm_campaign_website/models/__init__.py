from . import ecrm_landing_rule
