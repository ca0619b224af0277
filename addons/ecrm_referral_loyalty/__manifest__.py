{
    "name": "eCRM Referrals: Loyalty Credit",
    "summary": "Pay referral rewards into the loyalty app: eWallet credit, gift cards or coupons",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "eCRM for Odoo",
    "website": "https://github.com/ecrm-for-odoo/ecrm",
    "license": "LGPL-3",
    "depends": ["loyalty", "ecrm_referral"],
    "data": ["views/ecrm_referral_program_views.xml"],
    "auto_install": True,
    "installable": True,
}
