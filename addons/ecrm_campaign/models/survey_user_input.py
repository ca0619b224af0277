from odoo import models


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    def _mark_done(self):
        """A finished survey is the contact speaking to us: record it as a touchpoint (K6)."""
        result = super()._mark_done()
        self._ecrm_record_answers()
        return result

    def _ecrm_record_answers(self):
        answers = self.filtered(lambda answer: answer.partner_id and not answer.test_entry)
        return self.env["ecrm.touchpoint"]._record(
            [
                {
                    "partner_id": answer.partner_id.id,
                    "company_id": (answer.partner_id.company_id or self.env.company).id,
                    "touchpoint_type": "survey",
                    "direction": "inbound",
                    "summary": self.env._("Answered the survey %(survey)s", survey=answer.survey_id.title),
                    "res_model": answer._name,
                    "res_id": answer.id,
                    "external_id": "%s:%s" % (answer._name, answer.id),
                }
                for answer in answers
            ]
        )
