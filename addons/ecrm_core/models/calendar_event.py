from odoo import api, models


class CalendarEvent(models.Model):
    """Meetings with customers become touchpoints (C1)."""

    _inherit = "calendar.event"

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._ecrm_record_meetings()
        return events

    def write(self, vals):
        result = super().write(vals)
        if "partner_ids" in vals:
            self._ecrm_record_meetings()
        return result

    def _ecrm_record_meetings(self):
        """One touchpoint per customer attendee; attendees added later get theirs, nobody twice."""
        vals_list = []
        for event in self.sudo():
            for partner in event.partner_ids.filtered("partner_share"):
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "touchpoint_type": "meeting",
                        "direction": "outbound",
                        "date": event.start,
                        "summary": event.name,
                        "res_model": "calendar.event",
                        "res_id": event.id,
                        "user_id": event.user_id.id,
                        "external_id": "calendar.event:%s:%s" % (event.id, partner.id),
                    }
                )
        self.env["ecrm.touchpoint"]._record(vals_list)
