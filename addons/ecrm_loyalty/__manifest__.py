{
    "name": "eCRM Loyalty Rewards",
    "summary": "Reward new best customers with a loyalty card, coupon, gift card or eWallet credit",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "eCRM for Odoo",
    "website": "https://github.com/ecrm-for-odoo/ecrm",
    "license": "LGPL-3",
    "depends": ["loyalty", "ecrm_core"],
    "data": ["views/ecrm_reward_rule_views.xml"],
    "auto_install": True,
    "installable": True,
}
