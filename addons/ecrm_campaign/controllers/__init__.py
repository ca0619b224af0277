from . import link_tracker
from . import consent
