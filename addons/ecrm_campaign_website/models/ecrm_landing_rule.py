from urllib.parse import urlencode, urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.ecrm_core.tools.web import search_keywords

from ..tools.landing import UTM_KEYS, best_rule, parse_keywords

# request parameter -> rule field, for the UTM values a rule can require
UTM_FIELDS = {"campaign": "utm_campaign_id", "source": "utm_source_id", "medium": "utm_medium_id"}


class EcrmLandingRule(models.Model):
    """Which landing page a visitor gets, from the search keywords or UTM values that brought them (K11)."""

    _name = "ecrm.landing.rule"
    _description = "eCRM Landing Page Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="When two rules fit equally well, the first one wins.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    website_id = fields.Many2one(
        "website", ondelete="cascade", check_company=True, help="Empty: the rule applies on every website."
    )
    keywords = fields.Text(
        help="Search phrases, separated by commas or lines (e.g. 'saffron price, buy saffron'). The rule fits a "
        "visitor whose search contains one of them. Empty: any search.",
    )
    utm_campaign_id = fields.Many2one("utm.campaign", string="UTM Campaign", help="Only visitors of this campaign.")
    utm_source_id = fields.Many2one("utm.source", string="UTM Source", help="Only visitors from this source.")
    utm_medium_id = fields.Many2one("utm.medium", string="UTM Medium", help="Only visitors through this medium.")
    campaign_id = fields.Many2one(
        "ecrm.campaign",
        string="eCRM Campaign",
        check_company=True,
        help="Visitors sent by this rule are attributed to the campaign (its UTM campaign is added to the page).",
    )
    page_id = fields.Many2one("website.page", string="Landing Page", ondelete="cascade")
    url = fields.Char(string="Landing URL", help="A page of this website (/shop/saffron) used when no page is chosen.")
    hit_count = fields.Integer(string="Visitors Sent", readonly=True, copy=False)
    last_hit_date = fields.Datetime(string="Last Visitor", readonly=True, copy=False)

    @api.constrains("name", "page_id", "url")
    def _check_target(self):
        for rule in self:
            if not rule.page_id and not rule.url:
                raise ValidationError(
                    _("Choose the landing page of the rule %(name)s, or enter its URL.", name=rule.name)
                )
            if rule.url and not rule.url.startswith("/"):
                parts = urlsplit(rule.url)
                if parts.scheme not in ("http", "https") or not parts.netloc:
                    raise ValidationError(
                        _("The URL of the rule %(name)s must start with / or http(s)://.", name=rule.name)
                    )

    def _target_url(self):
        self.ensure_one()
        return self.page_id.url if self.page_id else self.url

    def _rule_data(self):
        return [
            {
                "id": rule.id,
                "keywords": parse_keywords(rule.keywords),
                "utm": {key: (rule[UTM_FIELDS[key]].name or "").strip().lower() or None for key in UTM_KEYS},
            }
            for rule in self
        ]

    @api.model
    def _find_landing(self, website, params, referrer=None):
        """The landing URL for a visit: (rule, url with the UTM values and keywords kept), or (empty, None).

        ``params``: the request's query parameters (utm_campaign, utm_source, utm_medium, utm_term, q).
        Keywords come from utm_term or q, else from the search engine's referring URL.
        """
        keywords = search_keywords(referrer, (params.get("utm_term") or params.get("q") or "")[:255])
        utm = {key: (params.get("utm_%s" % key) or "")[:255] for key in UTM_KEYS}
        rules = self.sudo().search(
            [("company_id", "=", website.company_id.id), ("website_id", "in", [False, website.id])]
        )
        rule = self.browse(best_rule(rules._rule_data(), keywords, utm))
        if not rule:
            return rule, None
        rule = rule.sudo()
        query = {"utm_%s" % key: value for key, value in utm.items() if value}
        if rule.campaign_id and not query.get("utm_campaign"):
            query["utm_campaign"] = rule.campaign_id.utm_campaign_id.name
        if keywords:
            query["utm_term"] = keywords
        target = rule._target_url()
        if query:
            target += ("&" if "?" in target else "?") + urlencode(query)
        rule._count_hit()
        return rule, target

    def _count_hit(self):
        """Count the visitor in one UPDATE (no write on the rule, so visits never lock each other)."""
        self.flush_recordset(["hit_count", "last_hit_date"])
        self.env.cr.execute(
            SQL(
                "UPDATE ecrm_landing_rule SET hit_count = COALESCE(hit_count, 0) + 1, "
                "last_hit_date = now() AT TIME ZONE 'UTC' WHERE id IN %s",
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["hit_count", "last_hit_date"])
