from odoo import _, models


class MergePartnerAutomatic(models.TransientModel):
    """Odoo's merge wizard, opened from a duplicate group (C6).

    The wizard moves every document of the merged contacts (touchpoints, orders,
    leads, messages...) to the contact kept, by re-pointing all foreign keys. Opened
    from a duplicate group by an eCRM manager, it merges contacts with different
    spellings of one mailbox (the reason they were grouped), which the stock wizard
    leaves to the administrator; the group is closed once one contact is left. A refusal
    of messages by any merged contact stays with the one kept (K2): its address is
    blacklisted too.
    """

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        group = self.env["ecrm.duplicate.group"]
        group_id = self.env.context.get("ecrm_duplicate_group_id")
        if group_id:
            group = group.browse(group_id).exists()
        if (
            group
            and group.state == "open"
            and set(partner_ids) <= set(group.partner_ids.ids)
            and self.env.user.has_group("ecrm_core.group_ecrm_manager")
        ):
            extra_checks = False
        touched_groups = self.env["ecrm.duplicate.group"].sudo().search([("partner_ids", "in", list(partner_ids))])
        refused = (
            self.env["res.partner"]
            .browse(partner_ids)
            .filtered(lambda partner: partner.do_not_message and partner.do_not_message_reason != "bounced")
        )
        refused_labels = refused.mapped("display_name")
        result = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        survivors = self.env["res.partner"].browse(partner_ids).exists()
        if len(survivors) == 1:
            touched_groups.exists()._ecrm_mark_merged(survivors)
            survivors._ecrm_compute_contact_stats(survivors.ids)
            if refused_labels and survivors.email_normalized:
                self.env["mail.blacklist"].sudo()._add(
                    survivors.email_normalized,
                    message=_("Merged with a contact who did not want messages (%s).", ", ".join(refused_labels)),
                )
            survivors._ecrm_refresh_do_not_message(survivors.ids)
        return result
