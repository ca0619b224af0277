from odoo import _, models


class EcrmSegment(models.Model):
    _inherit = "ecrm.segment"

    def _get_mailing_domain(self):
        """The recipients of a mailing to the segment: its members at the time of sending."""
        self.ensure_one()
        return [("segment_ids", "in", [self.id])]

    def action_send_mailing(self):
        """Open a new mailing to the segment's members, on contacts."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("New mailing to %s", self.name),
            "res_model": "mailing.mailing",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_mailing_type": "mail",
                "default_mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "default_mailing_domain": repr(self._get_mailing_domain()),
            },
        }
