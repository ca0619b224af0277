from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import html_escape

from ..tools import clustering
from .ecrm_cluster_run import FEATURE_LABELS


class EcrmCluster(models.Model):
    """A group of customers with similar traits, found by k-means (C7)."""

    _name = "ecrm.cluster"
    _description = "eCRM Customer Cluster"
    _order = "sequence, id"

    name = fields.Char(
        required=True,
        help="Starts as the automatic description; rename it to a name your team uses. "
        "A renamed cluster keeps its name when the clustering runs again.",
    )
    description_auto = fields.Char(
        string="Automatic Description",
        readonly=True,
        help="Written from the cluster's centre against the average of all customers, at each run.",
    )
    active = fields.Boolean(default=True, help="Clusters that the latest run no longer found are archived.")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    run_id = fields.Many2one(
        "ecrm.cluster.run", string="Clustering Run", required=True, ondelete="cascade", index=True, readonly=True
    )
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    centroid = fields.Json(readonly=True, help="The mean of each feature over the cluster's customers, in their units.")
    centroid_scaled = fields.Json(
        readonly=True, help="The k-means centre in standardised units; new customers go to the nearest one."
    )
    size = fields.Integer(readonly=True, help="Customers in the cluster when the clustering ran.")
    share = fields.Float(string="Share (%)", digits=(16, 1), readonly=True, help="Share of all clustered customers.")
    partner_ids = fields.One2many("res.partner", "cluster_id", string="Customers")
    partner_count = fields.Integer(
        string="Customers Now",
        compute="_compute_partner_count",
        help="Customers in the cluster today: the run's members and the customers placed in it since.",
    )
    profile_html = fields.Html(string="Profile", compute="_compute_profile_html", sanitize=False)

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group([("cluster_id", "in", self.ids)], ["cluster_id"], ["__count"])
        )
        for cluster in self:
            cluster.partner_count = counts.get(cluster, 0)

    @api.depends("centroid", "run_id.scaler")
    def _compute_profile_html(self):
        for cluster in self:
            average = (cluster.run_id.scaler or {}).get("average") or []
            average = dict(zip(clustering.FEATURE_KEYS, average, strict=False))
            rows = [
                Markup("<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end text-muted'>%s</td></tr>")
                % (
                    self.env._(FEATURE_LABELS[key]),
                    f"{value:,.1f}",
                    f"{average[key]:,.1f}" if key in average else "",
                )
                for key, value in ((key, (cluster.centroid or {}).get(key)) for key in clustering.FEATURE_KEYS)
                if value is not None
            ]
            if not rows:
                cluster.profile_html = False
                continue
            head = Markup(
                "<table class='table table-sm o_ecrm_cluster_profile'><thead><tr><th>%s</th>"
                "<th class='text-end'>%s</th><th class='text-end'>%s</th></tr></thead><tbody>"
            ) % (html_escape(_("Feature")), html_escape(_("This cluster")), html_escape(_("All customers")))
            cluster.profile_html = head + Markup("").join(rows) + Markup("</tbody></table>")

    def action_open_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ecrm_core.res_partner_action_customers")
        action["domain"] = [("cluster_id", "=", self.id)]
        action["context"] = {}
        action["display_name"] = self.name
        return action

    def action_reset_name(self):
        """Give the cluster back its automatic description as name."""
        for cluster in self:
            cluster.name = cluster.description_auto or cluster.name
        return True
