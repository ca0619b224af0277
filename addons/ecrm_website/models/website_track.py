from odoo import models
from odoo.tools.sql import create_index

# Name of the index walking back through a visitor's page views; dropped by the uninstall hook.
TRACK_VISIT_INDEX = "ecrm_website_track_visitor_visit_index"


class WebsiteTrack(models.Model):
    _inherit = "website.track"

    def init(self):
        result = super().init()
        # website_track grows with every page view. Finding the visit a page view belongs to walks
        # back one page view at a time (see website.visitor._ecrm_visit_query): one index probe each.
        create_index(
            self.env.cr,
            TRACK_VISIT_INDEX,
            self._table,
            ["visitor_id", "visit_datetime", "id"],
            where="url IS NOT NULL",
        )
        return result
