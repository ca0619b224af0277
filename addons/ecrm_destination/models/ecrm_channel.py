from odoo import fields, models


class EcrmChannel(models.Model):
    _inherit = "ecrm.channel"

    visitor_information = fields.Boolean(
        string="Visitors Use It for Information",
        help="Offered to visitors as an information channel on their profile and on the portal (D3).",
    )
