{
    "name": "eCRM Mass Mailing",
    "summary": "Send a mass mailing to an eCRM customer segment in one click",
    "version": "18.0.1.0.0",
    "category": "Marketing/Email Marketing",
    "author": "eCRM for Odoo",
    "website": "https://github.com/ecrm-for-odoo/ecrm",
    "license": "LGPL-3",
    "depends": ["mass_mailing", "ecrm_core"],
    "data": ["views/ecrm_segment_views.xml"],
    "auto_install": True,
    "installable": True,
}
