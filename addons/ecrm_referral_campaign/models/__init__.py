from . import ecrm_referral_invitation, res_users
