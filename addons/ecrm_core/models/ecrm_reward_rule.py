from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command


class EcrmRewardRule(models.Model):
    """What happens when a customer enters (or leaves) the company's best customers (C8)."""

    _name = "ecrm.reward.rule"
    _description = "Best Customer Reward Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The rule rewards the best customers of this company.",
    )
    add_tag = fields.Boolean(string="Add a Tag", help="Put a tag on the customer when they enter the group.")
    tag_id = fields.Many2one("res.partner.category", string="Tag", ondelete="restrict")
    remove_tag_on_leave = fields.Boolean(
        string="Remove the Tag on Leaving", help="Take the tag off again when the customer leaves the group."
    )
    create_activity = fields.Boolean(
        string="Schedule an Activity",
        help="Give the customer's salesperson a follow-up activity (a thank-you call, a visit...).",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        default=lambda self: self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False),
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'res.partner')]",
        ondelete="restrict",
    )
    activity_summary = fields.Char(translate=True, default=lambda self: _("Thank a new best customer"))
    activity_user_id = fields.Many2one(
        "res.users",
        string="Default Assignee",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        help="Gets the activity when the customer has no salesperson.",
    )
    activity_days = fields.Integer(string="Due After (days)", default=3)

    @api.constrains("add_tag", "tag_id", "create_activity", "activity_type_id", "activity_user_id", "activity_days")
    def _check_actions(self):
        for rule in self:
            if not rule._has_action():
                raise ValidationError(_("Reward rule “%s” does nothing: choose at least one reward.", rule.name))
            if rule.add_tag and not rule.tag_id:
                raise ValidationError(_("Reward rule “%s” adds a tag: choose the tag.", rule.name))
            if rule.create_activity and not (rule.activity_type_id and rule.activity_user_id):
                raise ValidationError(
                    _(
                        "Reward rule “%s” schedules an activity: choose its type and who gets it when the "
                        "customer has no salesperson.",
                        rule.name,
                    )
                )
            if rule.activity_days < 0:
                raise ValidationError(_("Reward rule “%s”: the activity cannot be due in the past.", rule.name))

    def _has_action(self):
        """Whether the rule gives any reward; extended by the addons that add kinds of reward."""
        self.ensure_one()
        return self.add_tag or self.create_activity

    # ------------------------------------------------------------------
    # Rewards, set-based: one write or one create per rule for all customers
    # ------------------------------------------------------------------

    def _reward_entered(self, partners):
        """Give the rewards of these rules to ``partners``, who just entered the best customers."""
        if not partners:
            return
        for rule in self:
            if rule.add_tag:
                partners.write({"category_id": [Command.link(rule.tag_id.id)]})
            if rule.create_activity:
                rule._create_activities(partners)

    def _reward_left(self, partners):
        """Undo what should be undone for ``partners``, who just left the best customers."""
        if not partners:
            return
        for rule in self:
            if rule.add_tag and rule.remove_tag_on_leave:
                partners.write({"category_id": [Command.unlink(rule.tag_id.id)]})

    def _create_activities(self, partners):
        self.ensure_one()
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = fields.Date.context_today(self) + timedelta(days=self.activity_days)
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": self.activity_type_id.id,
                    "summary": self.activity_summary,
                    "user_id": self._salesperson(partner).id,
                    "date_deadline": deadline,
                }
                for partner in partners
            ]
        )

    def _salesperson(self, partner):
        """Who follows ``partner`` up: their salesperson when active and internal, else the default assignee."""
        user = partner.user_id
        if user and user.active and not user.share:
            return user
        return self.activity_user_id
