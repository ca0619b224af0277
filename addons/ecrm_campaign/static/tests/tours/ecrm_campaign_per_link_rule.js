import { registry } from "@web/core/registry";

// K1: create a campaign whose second step waits for a click on one given link of the first step's mailing.
registry.category("web_tour.tours").add("ecrm_campaign_per_link_rule", {
    url: "/odoo/action-ecrm_campaign.ecrm_campaign_action",
    steps: () => [
        {
            content: "Create a campaign",
            trigger: ".o_control_panel .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour pricing campaign",
        },
        {
            content: "Reach contacts by a filter",
            trigger: ".o_field_widget[name=audience_type] input[data-value=domain]",
            run: "click",
        },
        {
            content: "Save the campaign",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Wait for the save",
            trigger: ".o_form_saved",
        },
        {
            content: "Add the first step",
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Name the welcome step",
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Welcome",
        },
        {
            content: "Choose its mailing",
            trigger: ".modal .o_field_widget[name=mailing_id] input",
            run: "edit Tour mailing",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour mailing)",
            run: "click",
        },
        {
            content: "Save the step",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Save: the rule will point at the saved welcome step",
            trigger: ".o_field_widget[name=step_ids] .o_data_row:contains(Welcome)",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Add the per-link rule",
            trigger: ".o_form_saved",
        },
        {
            trigger: ".o_field_widget[name=step_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Pricing clicked",
        },
        {
            content: "It comes after the welcome mail",
            trigger: ".modal .o_field_widget[name=parent_id] input",
            run: "edit Welcome",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Welcome)",
            run: "click",
        },
        {
            content: "It waits for a click",
            trigger: ".modal .o_field_widget[name=trigger] select",
            run: "selectByLabel Clicked a link",
        },
        {
            content: "On the pricing link only",
            trigger: ".modal .o_field_widget[name=link_id] input",
            run: "edit pricing",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(pricing)",
            run: "click",
        },
        {
            content: "Then the salesperson gets an activity",
            trigger: ".modal .o_field_widget[name=action] select",
            run: "selectByLabel Create an activity for the salesperson",
        },
        {
            trigger: ".modal .o_field_widget[name=activity_type_id] input",
            run: "edit Call",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Call)",
            run: "click",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The tree shows the rule",
            trigger: ".o_field_widget[name=step_ids] .o_data_row:contains(Clicked a link: )",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
    ],
});
