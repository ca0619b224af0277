{
    "name": "eCRM Campaign Landing Pages",
    "summary": "Send each visitor to the landing page that fits the search or campaign that brought them",
    "version": "18.0.1.0.0",
    "category": "Website/Website",
    "author": "eCRM for Odoo",
    "website": "https://github.com/ecrm-for-odoo/ecrm",
    "license": "LGPL-3",
    "depends": ["website", "ecrm_campaign", "ecrm_website"],
    "data": [
        "security/ir.model.access.csv",
        "security/ecrm_landing_rule_security.xml",
        "views/ecrm_landing_rule_views.xml",
    ],
    "demo": ["demo/ecrm_landing_rule_demo.xml"],
    "auto_install": True,
    "installable": True,
}
