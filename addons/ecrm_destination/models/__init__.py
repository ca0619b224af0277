from . import (
    ecrm_campaign,
    ecrm_campaign_performance,
    ecrm_campaign_step,
    ecrm_channel,
    ecrm_destination_info_need,
    ecrm_destination_offer_rule,
    ecrm_trip,
    res_partner,
)
