{
    "name": "eCRM Referral and Consent",
    "summary": "Friends invited by referral members give their own marketing consent through the eCRM consent ledger",
    "version": "18.0.1.0.0",
    "category": "Marketing",
    "author": "eCRM for Odoo",
    "website": "https://github.com/ecrm-for-odoo/ecrm",
    "license": "LGPL-3",
    "depends": ["ecrm_referral", "ecrm_campaign"],
    "data": ["views/auth_signup_templates.xml"],
    "auto_install": True,
    "installable": True,
}
