"""Plain-Python helpers of ecrm_core: no ``odoo`` import, testable without a database."""
