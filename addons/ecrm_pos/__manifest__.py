{
    "name": "eCRM Point of Sale",
    "summary": "Paid shop (POS) orders count for the RFM scores and segments of eCRM",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "author": "eCRM for Odoo",
    "website": "https://github.com/ecrm-for-odoo/ecrm",
    "license": "LGPL-3",
    "depends": ["point_of_sale", "ecrm_core"],
    "data": [],
    "auto_install": True,
    "installable": True,
}
