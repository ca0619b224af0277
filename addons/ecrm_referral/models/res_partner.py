from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import network


class ResPartner(models.Model):
    _inherit = "res.partner"

    referral_program_id = fields.Many2one(
        "ecrm.referral.program",
        string="Referral Program",
        index="btree_not_null",
        tracking=True,
        help="The program this person is a member of: they get a personal code and link.",
    )
    referral_code = fields.Char(copy=False, index="btree_not_null", help="Personal code, e.g. said at the till.")
    referral_url = fields.Char(string="Referral Link", compute="_compute_referral_url")
    referral_in_ids = fields.One2many("ecrm.referral", "partner_id", string="Referred By (link)")
    referrer_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        compute="_compute_referrer_id",
        store=True,
        index="btree_not_null",
    )
    referral_generation = fields.Integer(
        compute="_compute_referrer_id",
        store=True,
        help="Generation in the referral network: 1 when referred by a member at the top, 0 when not referred.",
    )
    referral_out_ids = fields.One2many("ecrm.referral", "referrer_id", string="Direct Referrals")
    referral_downline_ids = fields.Many2many("ecrm.referral", string="Down-line", compute="_compute_referral_network")
    referral_upline_ids = fields.Many2many("res.partner", string="Up-line", compute="_compute_referral_network")
    referral_downline_count = fields.Integer(string="Down-line Size", compute="_compute_referral_network")
    referral_reward_ids = fields.One2many("ecrm.referral.reward", "partner_id", string="Referral Rewards")
    referral_reward_total = fields.Monetary(
        string="Rewards Earned", compute="_compute_referral_reward_total", currency_field="currency_id"
    )

    _sql_constraints = [
        ("referral_code_uniq", "unique(referral_code)", "This referral code is already someone else's."),
    ]

    def _compute_referral_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for partner in self:
            partner.referral_url = "%s/ref/%s" % (base, partner.referral_code) if partner.referral_code else False

    @api.depends("referral_in_ids.referrer_id", "referral_in_ids.generation")
    def _compute_referrer_id(self):
        for partner in self:
            partner.referrer_id = partner.referral_in_ids[:1].referrer_id
            partner.referral_generation = partner.referral_in_ids[:1].generation

    def _compute_referral_network(self):
        Referral = self.env["ecrm.referral"]
        for partner in self:
            if not partner.id or isinstance(partner.id, models.NewId):
                partner.referral_downline_ids = Referral
                partner.referral_upline_ids = self.browse()
                partner.referral_downline_count = 0
                continue
            self.env.cr.execute(
                SQL(
                    """
                    SELECT id FROM ecrm_referral WHERE ancestor_path @> ARRAY[%s]::int4[]
                     ORDER BY generation, date LIMIT 500
                    """,
                    partner.id,
                )
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            partner.referral_downline_ids = Referral.browse(ids)
            partner.referral_downline_count = len(ids)
            partner.referral_upline_ids = self.browse(Referral._upline_of(partner.id))

    def _compute_referral_reward_total(self):
        groups = self.env["ecrm.referral.reward"]._read_group(
            [("partner_id", "in", self.ids), ("state", "!=", "cancelled")], ["partner_id"], ["amount:sum"]
        )
        totals = {partner.id: total for partner, total in groups}
        for partner in self:
            partner.referral_reward_total = totals.get(partner.id, 0.0)

    @api.constrains("referral_code")
    def _check_referral_code(self):
        for partner in self.filtered("referral_code"):
            if network.clean_code(partner.referral_code) != partner.referral_code:
                raise ValidationError(
                    _("Referral code %s: use 4 to 32 capital letters, digits or dashes.", partner.referral_code)
                )

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners.filtered(lambda p: p.referral_program_id and not p.referral_code)._assign_referral_codes()
        return partners

    def write(self, vals):
        result = super().write(vals)
        if vals.get("referral_program_id"):
            self.filtered(lambda p: not p.referral_code)._assign_referral_codes()
        return result

    def _assign_referral_codes(self):
        taken = set()
        for partner in self:
            code = network.new_code()
            while code in taken or self.sudo().search_count([("referral_code", "=", code)], limit=1):
                code = network.new_code()
            taken.add(code)
            partner.sudo().referral_code = code

    @api.model
    def _find_referral_member(self, code):
        """The program member whose code this is (any spelling), or an empty recordset."""
        code = network.clean_code(code)
        if not code:
            return self.browse()
        return self.sudo().search([("referral_code", "=", code), ("referral_program_id", "!=", False)], limit=1)

    def action_join_referral_program(self):
        self.ensure_one()
        if not self.referral_program_id:
            program = self.env["ecrm.referral.program"].search([("company_id", "in", self.env.companies.ids)], limit=1)
            if not program:
                raise UserError(_("Create a referral program first (eCRM > Referrals > Programs)."))
            self.referral_program_id = program
        elif not self.referral_code:
            self._assign_referral_codes()

    def action_open_referral_network(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_referral.ecrm_referral_action")
        action["domain"] = [("id", "in", self.referral_downline_ids.ids)]
        action["context"] = {"search_default_group_generation": 1}
        action["name"] = _("Down-line of %s", self.name)
        return action

    def action_open_referral_rewards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_referral.ecrm_referral_reward_action")
        action["domain"] = [("partner_id", "=", self.id)]
        return action

    def _invite_friends(self, emails, knows_invitees):
        """Invitations from this member to the addresses given (one per line or comma); sent only when the
        member confirms they know them. Returns the invitations sent."""
        self.ensure_one()
        if not self.referral_program_id:
            raise UserError(_("Join a referral program before inviting friends."))
        addresses = {a.strip().lower() for a in (emails or "").replace(",", "\n").splitlines() if a.strip()}
        Invitation = self.env["ecrm.referral.invitation"].sudo()
        known = set(Invitation.search([("referrer_id", "=", self.id)]).mapped("email"))
        invitations = Invitation.create(
            [
                {"referrer_id": self.id, "email": address, "knows_invitee": knows_invitees}
                for address in sorted(addresses - known)[:20]
            ]
        )
        if knows_invitees:
            invitations.action_send()
        return invitations
