from datetime import timedelta

from odoo import Command, _, api, fields, models

from ..tools.faq import group_questions, is_question, match_topic, trend

# Questions looked at by the grouping: the last 90 days, the most recent first, at most this many per company.
QUESTION_WINDOW = timedelta(days=90)
MAX_QUESTIONS = 5000
# Inbound types whose messages count when they ask something; support requests always count.
QUESTION_TYPES = ("email_in", "chat", "social", "form")


class EcrmFaqTopic(models.Model):
    """A question that reaches support again and again, so the website or the product can answer it (C15)."""

    _name = "ecrm.faq.topic"
    _description = "Recurring Customer Question"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "question_count desc, id desc"

    name = fields.Char(required=True, tracking=True)
    keywords = fields.Char(readonly=True, help="The words the questions of this topic share, found by the grouping.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, readonly=True
    )
    state = fields.Selection(
        [
            ("new", "New"),
            ("website", "Answered on the website"),
            ("product", "Product change"),
            ("ignored", "Ignored"),
        ],
        default="new",
        required=True,
        tracking=True,
        help="What the company does about the question.",
    )
    user_id = fields.Many2one("res.users", string="Owner", domain=[("share", "=", False)], tracking=True)
    website_url = fields.Char(string="Website Page", tracking=True, help="The page that answers the question.")
    product_tmpl_id = fields.Many2one("product.template", string="Product", tracking=True)
    answer = fields.Html(help="The answer to publish, or the change to make to the product.")
    question_count = fields.Integer(string="Questions (90 days)", readonly=True)
    question_count_30d = fields.Integer(string="Last 30 Days", readonly=True)
    question_count_prev_30d = fields.Integer(string="30 Days Before", readonly=True)
    trend = fields.Selection(
        [("new", "New"), ("rising", "Rising"), ("steady", "Steady"), ("falling", "Falling")],
        readonly=True,
        help="The last 30 days against the 30 days before.",
    )
    example_questions = fields.Text(readonly=True, help="The most typical questions of the topic.")
    last_question_date = fields.Datetime(readonly=True)
    touchpoint_ids = fields.Many2many(
        "ecrm.touchpoint",
        "ecrm_faq_topic_touchpoint_rel",
        "topic_id",
        "touchpoint_id",
        string="Questions",
        readonly=True,
    )
    color = fields.Integer()

    def action_open_questions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_core.ecrm_touchpoint_action")
        action["domain"] = [("id", "in", self.touchpoint_ids.ids)]
        action["display_name"] = _("Questions: %s", self.name)
        action["context"] = {}
        return action

    @api.model
    def action_group_questions(self):
        """Group the questions of the current companies now, without waiting for the nightly job."""
        self.env["ecrm.faq.topic"]._group_questions(self.env.companies)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _question_domain(self, company, since):
        """Touchpoints that may hold a customer's question; hook to widen or narrow it."""
        return [
            ("company_id", "=", company.id),
            ("date", ">=", since),
            ("summary", "!=", False),
            "|",
            ("touchpoint_type", "=", "support"),
            "&",
            ("direction", "=", "inbound"),
            ("touchpoint_type", "in", QUESTION_TYPES),
        ]

    @api.model
    def _cron_group_questions(self):
        self._group_questions(self.env["res.company"].search([]))

    @api.model
    def _group_questions(self, companies):
        """Group each company's recent questions into topics; known topics keep their state and owner."""
        now = fields.Datetime.now()
        Touchpoint = self.env["ecrm.touchpoint"].sudo()
        for company in companies:
            questions = Touchpoint.search_fetch(
                self._question_domain(company, now - QUESTION_WINDOW),
                ["summary", "date", "touchpoint_type"],
                limit=MAX_QUESTIONS,
                order="date desc, id desc",
            ).filtered(lambda t: t.touchpoint_type == "support" or is_question(t.summary))
            dates = {touchpoint.id: touchpoint.date for touchpoint in questions}
            groups = group_questions([(touchpoint.id, touchpoint.summary) for touchpoint in questions])
            topics = self.sudo().search([("company_id", "=", company.id)])
            candidates = [(topic.id, (topic.keywords or "").split(", ")) for topic in topics]
            seen = self.browse()
            for group in groups:
                topic = self.browse(match_topic(group["keywords"], candidates))
                values = self._topic_values(group, dates, now)
                if topic:
                    candidates = [candidate for candidate in candidates if candidate[0] != topic.id]
                    values["trend"] = trend(values["question_count_30d"], values["question_count_prev_30d"])
                    topic.sudo().write(values)
                else:
                    topic = self.sudo().create(
                        dict(values, name=group["examples"][0][:120], company_id=company.id, trend="new")
                    )
                seen |= topic
            gone = topics - seen
            if gone:
                gone.sudo().write(
                    {
                        "question_count": 0,
                        "question_count_30d": 0,
                        "question_count_prev_30d": 0,
                        "trend": "falling",
                        "touchpoint_ids": [Command.clear()],
                    }
                )

    @api.model
    def _topic_values(self, group, dates, now):
        keys = group["keys"]
        recent = now - timedelta(days=30)
        before = now - timedelta(days=60)
        return {
            "keywords": ", ".join(group["keywords"]),
            "question_count": len(keys),
            "question_count_30d": sum(1 for key in keys if dates[key] >= recent),
            "question_count_prev_30d": sum(1 for key in keys if before <= dates[key] < recent),
            "example_questions": "\n".join("- %s" % " ".join(text.split())[:300] for text in group["examples"]),
            "last_question_date": max(dates[key] for key in keys),
            "touchpoint_ids": [Command.set(keys)],
        }
