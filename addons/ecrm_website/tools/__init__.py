"""Plain-Python helpers of ecrm_website: no ``odoo`` import, testable without a database."""
