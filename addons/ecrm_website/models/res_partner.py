from odoo import models


class ResPartner(models.Model):
    """A forgotten person's website visitors and page views are deleted (C16)."""

    _inherit = "res.partner"

    def _ecrm_erase_tracking_data(self):
        result = super()._ecrm_erase_tracking_data()
        # their page views (website.track) go with them (ondelete cascade)
        self.env["website.visitor"].sudo().with_context(active_test=False).search(
            [("partner_id", "in", self.ids)]
        ).unlink()
        return result

    def _ecrm_personal_data_export(self):
        sections = super()._ecrm_personal_data_export()
        visitors = self.env["website.visitor"].sudo().search([("partner_id", "=", self.id)])
        tracks = self.env["website.track"].sudo().search([("visitor_id", "in", visitors.ids)])
        sections["website_page_views"] = [
            {"date": track.visit_datetime, "url": track.url} for track in tracks.sorted("visit_datetime")
        ]
        return sections
