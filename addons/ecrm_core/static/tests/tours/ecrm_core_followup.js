import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ecrm_core_followup", {
    steps: () => [
        {
            content: "Open the Customer 360 tab",
            trigger: ".o_notebook .nav-link:contains(Customer 360)",
            run: "click",
        },
        {
            content: "Schedule a follow-up with the customer",
            trigger: ".o_notebook button:contains(Schedule Follow-up)",
            run: "click",
        },
        {
            content: "The time is proposed from the customer's preferences",
            trigger: ".modal .o_field_widget[name=start] input:value(/\\d/)",
        },
        {
            content: "E-mail reminders are set",
            trigger: ".modal .o_field_widget[name=alarm_ids] .o_tag",
        },
        {
            content: "Schedule it",
            trigger: ".modal button[name=action_schedule]",
            run: "click",
        },
        {
            content: "The meeting opens, with its follow-up tab",
            trigger: ".o_form_view .o_notebook .nav-link:contains(Customer follow-up)",
        },
    ],
});
