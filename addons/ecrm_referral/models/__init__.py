from . import (
    ecrm_referral_program,
    ecrm_referral_program_level,
    ecrm_referral,
    ecrm_referral_reward,
    ecrm_referral_invitation,
    res_partner,
    res_company,
    res_config_settings,
    res_users,
    sale_order,
    account_move,
    mail_mail,
)
