{
    "name": "eCRM Website Visits",
    "summary": "Record each website visit of a known customer as a touchpoint: referrer, search keywords, "
    "landing page, pages viewed and UTM",
    "version": "18.0.1.0.0",
    "category": "Website/Website",
    "author": "eCRM for Odoo",
    "website": "https://github.com/ecrm-for-odoo/ecrm",
    "license": "LGPL-3",
    "depends": ["website", "ecrm_core"],
    "data": [],
    "auto_install": True,
    "installable": True,
    "uninstall_hook": "uninstall_hook",
}
