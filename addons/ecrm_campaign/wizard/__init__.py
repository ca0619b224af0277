from . import ecrm_consent_import
