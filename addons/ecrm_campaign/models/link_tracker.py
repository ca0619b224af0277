from odoo import api, models


class LinkTracker(models.Model):
    _inherit = "link.tracker"

    # a campaign step picks "the pricing link" by its address or label, not by its short code
    _rec_names_search = ["url", "label", "title"]

    @api.depends("url", "label", "title")
    def _compute_display_name(self):
        if not self.env.context.get("ecrm_link_by_url"):
            return super()._compute_display_name()
        for link in self:
            label = link.label or link.title
            link.display_name = "%s (%s)" % (label, link.url) if label and label != link.url else link.url
