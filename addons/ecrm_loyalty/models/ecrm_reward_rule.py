from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

LOYALTY_PROGRAM_TYPES = ("loyalty", "coupons", "ewallet", "gift_card")


class EcrmRewardRule(models.Model):
    _inherit = "ecrm.reward.rule"

    issue_loyalty = fields.Boolean(
        string="Issue a Loyalty Card",
        help="Give the customer a card of a loyalty program: a loyalty card with points, a coupon, a gift card "
        "or eWallet credit. A customer gets at most one card per program: coming back into the group after "
        "leaving it gives nothing more.",
    )
    loyalty_program_id = fields.Many2one(
        "loyalty.program",
        string="Program",
        domain="[('program_type', 'in', %s), '|', ('company_id', '=', False), ('company_id', '=', company_id)]"
        % (LOYALTY_PROGRAM_TYPES,),
        ondelete="restrict",
    )
    loyalty_program_type = fields.Selection(related="loyalty_program_id.program_type")
    loyalty_points = fields.Float(
        string="Points or Credit",
        default=1.0,
        help="What the new card holds: points of a loyalty card, the amount of a gift card or of eWallet credit; "
        "a coupon needs the points its reward costs (usually 1).",
    )

    @api.constrains("issue_loyalty", "loyalty_program_id", "loyalty_points", "company_id")
    def _check_loyalty(self):
        for rule in self.filtered("issue_loyalty"):
            program = rule.loyalty_program_id
            if not program:
                raise ValidationError(_("Reward rule “%s” issues a loyalty card: choose the program.", rule.name))
            if program.program_type not in LOYALTY_PROGRAM_TYPES:
                raise ValidationError(
                    _(
                        "Reward rule “%(rule)s”: program “%(program)s” gives no card to keep; choose a loyalty "
                        "card, coupon, gift card or eWallet program.",
                        rule=rule.name,
                        program=program.name,
                    )
                )
            if program.company_id and program.company_id != rule.company_id:
                raise ValidationError(
                    _(
                        "Reward rule “%(rule)s”: program “%(program)s” belongs to another company.",
                        rule=rule.name,
                        program=program.name,
                    )
                )
            if rule.loyalty_points <= 0:
                raise ValidationError(
                    _("Reward rule “%s”: the card must hold more than 0 points or credit.", rule.name)
                )

    def _has_action(self):
        return super()._has_action() or self.issue_loyalty

    def _reward_entered(self, partners):
        result = super()._reward_entered(partners)
        if partners:
            for rule in self.filtered("issue_loyalty"):
                rule._issue_loyalty_cards(partners)
        return result

    def _issue_loyalty_cards(self, partners):
        """One card of the rule's program for each of ``partners`` who has none yet, and its history line.

        Set-based: one search, one create of the cards, one create of their history. The program's
        "at creation" communication (if any) sends each customer their card.
        """
        self.ensure_one()
        program = self.loyalty_program_id
        Card = self.env["loyalty.card"].with_context(active_test=False)
        holders = Card.search([("program_id", "=", program.id), ("partner_id", "in", partners.ids)]).partner_id
        newcomers = partners - holders
        if not newcomers:
            return Card
        points = self.loyalty_points
        cards = Card.create(
            [{"program_id": program.id, "partner_id": partner.id, "points": points} for partner in newcomers]
        )
        self.env["loyalty.history"].create(
            [
                {
                    "card_id": card.id,
                    "issued": points,
                    "description": _("Welcome among our best customers (%s)", self.name),
                }
                for card in cards
            ]
        )
        return cards
