import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ecrm_core_dashboard", {
    steps: () => [
        {
            content: "The dashboard shows the active customers card",
            trigger: ".o_ecrm_dashboard .o_ecrm_dashboard_card[data-card=active] .o_ecrm_dashboard_count",
        },
        {
            content: "Touchpoints by channel are drawn by Odoo's graph view",
            trigger: ".o_ecrm_dashboard_graph .o_graph_renderer canvas",
        },
        {
            content: "The funnel starts with the latent customers",
            trigger: ".o_ecrm_funnel .o_ecrm_funnel_step[data-stage=latent]",
        },
        {
            content: "Open the latent customers from their card",
            trigger: ".o_ecrm_dashboard_card[data-card=latent]",
            run: "click",
        },
        {
            content: "The customers behind the number are listed",
            trigger: ".o_list_view .o_breadcrumb:contains(Latent customers)",
        },
    ],
});
