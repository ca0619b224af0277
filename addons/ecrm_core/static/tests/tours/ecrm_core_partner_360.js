import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ecrm_core_partner_360", {
    steps: () => [
        {
            content: "The partner form shows the touchpoints smart button",
            trigger: ".o_form_view .oe_stat_button:contains(Touchpoints)",
        },
        {
            content: "Open the Customer 360 tab",
            trigger: ".o_notebook .nav-link:contains(Customer 360)",
            run: "click",
        },
        {
            content: "The timeline lists the customer's touchpoints, newest first",
            trigger: ".o_field_widget[name=timeline_touchpoint_ids] .o_data_row",
        },
        {
            content: "The lifecycle stage is shown",
            trigger: ".o_field_widget[name=lifecycle_stage]",
        },
        {
            content: "Open the full timeline",
            trigger: ".o_notebook button:contains(Open full timeline)",
            run: "click",
        },
        {
            content: "The full timeline opens with its channel filter panel",
            trigger: ".o_list_view .o_search_panel .o_search_panel_section",
        },
    ],
});
