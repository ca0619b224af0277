import { Component, onWillStart, useState } from "@odoo/owl";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatInteger } from "@web/views/fields/formatters";
import { View } from "@web/views/view";

/**
 * The live customer dashboard (C12): customers per lifecycle stage with their change over
 * 30 days, touchpoints by channel over the last weeks (Odoo's graph view) and the lifecycle funnel.
 * Every number opens the customers or touchpoints behind it.
 */
export class CustomerDashboard extends Component {
    static template = "ecrm_core.CustomerDashboard";
    static components = { View };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({ data: null, graphKey: 0 });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("ecrm.lifecycle.snapshot", "get_dashboard_data", []);
    }

    async reload() {
        await this.load();
        this.state.graphKey++;
    }

    get since() {
        return this.state.data.since ? formatDate(deserializeDate(this.state.data.since)) : "";
    }

    get touchpointGraphProps() {
        return {
            type: "graph",
            resModel: "ecrm.touchpoint",
            views: [
                [false, "graph"],
                [false, "search"],
            ],
            domain: this.state.data.touchpoint_domain,
            groupBy: ["date:week", "channel_id"],
            context: { graph_mode: "line", graph_stacked: false },
            display: { controlPanel: false, searchPanel: false },
            useSampleModel: false,
        };
    }

    formatCount(value) {
        return formatInteger(value);
    }

    formatChange(change) {
        return (change > 0 ? "+" : "") + formatInteger(change);
    }

    changeClass(card) {
        if (!card.change) {
            return "text-muted";
        }
        // more customers at risk is bad news; more of anything else is good news
        const good = card.key === "at_risk" ? card.change < 0 : card.change > 0;
        return good ? "text-success" : "text-danger";
    }

    openPartners(title, domain) {
        this.actionService.doAction({
            type: "ir.actions.act_window",
            name: title,
            res_model: "res.partner",
            domain,
            views: [
                [this.state.data.partner_list_view_id, "list"],
                [false, "kanban"],
                [false, "form"],
            ],
            target: "current",
        });
    }

    openWork(card) {
        this.actionService.doAction({
            type: "ir.actions.act_window",
            name: card.title,
            res_model: card.model,
            domain: card.domain,
            views: [
                [false, "list"],
                [false, "form"],
            ],
            target: "current",
        });
    }

    openTouchpoints() {
        this.actionService.doAction("ecrm_core.ecrm_touchpoint_action_analysis");
    }

    get funnelTitle() {
        return _t("Open these customers");
    }
}

registry.category("actions").add("ecrm_core.customer_dashboard", CustomerDashboard);
