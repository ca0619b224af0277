import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ecrm_destination_visitor_profile_tour", {
    url: "/odoo/action-ecrm_destination.res_partner_action_visitors",
    steps: () => [
        {
            content: "Open the visitor",
            trigger: ".o_data_row .o_data_cell:contains('Tour Visitor')",
            run: "click",
        },
        {
            content: "Open the Visitor page of the profile",
            trigger: ".o_notebook .nav-link:contains('Visitor')",
            run: "click",
        },
        {
            content: "The current phase is shown",
            trigger: ".o_field_widget[name='visitor_phase']:contains('Planning')",
        },
        {
            content: "What to send now lists the information needs of the phase",
            trigger: ".o_field_widget[name='info_need_ids'] .o_data_row:contains('Tour need: visa rules')",
        },
        {
            content: "The offer is shown with its reason",
            trigger: ".o_field_widget[name='visitor_offer_rule_ids'] .o_data_row:contains('Tour reason: long trip')",
        },
        {
            content: "Staff record a new interest",
            trigger: ".o_field_widget[name='budget_band'] select",
            run: `select "luxury"`,
        },
        {
            content: "Save the profile",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
    ],
});
