{
    "name": "eCRM Referrals in Point of Sale",
    "summary": "Referral codes entered at the shop till: the customer joins the member's network and "
    "the member's up-line is rewarded for the shop purchases",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "author": "eCRM for Odoo",
    "website": "https://github.com/ecrm-for-odoo/ecrm",
    "license": "LGPL-3",
    "depends": ["point_of_sale", "ecrm_referral"],
    "data": [
        "views/pos_order_views.xml",
        "views/ecrm_referral_reward_views.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "ecrm_referral_pos/static/src/**/*",
        ],
        "web.assets_tests": [
            "ecrm_referral_pos/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
    "installable": True,
}
