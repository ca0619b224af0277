from odoo import api, models
from odoo.http import request


class ResUsers(models.Model):
    _inherit = "res.users"

    @classmethod
    def authenticate(cls, db, credential, user_agent_env):
        """Record the visit going on when a website visitor logs in.

        Odoo has just moved the anonymous visitor's page views to the user's visitor
        (see ``website``'s override); the visit is recorded with them even if the
        visitor views no tracked page after logging in.
        """
        auth_info = super().authenticate(db, credential, user_agent_env)
        if auth_info.get("uid") and request and request.env and getattr(request, "is_frontend", False):
            env = api.Environment(request.env.cr, auth_info["uid"], request.env.context)
            if env.user.exists() and not env.user._is_public():
                env["website.visitor"]._ecrm_capture_visit(env.user.partner_id, page_view=False)
        return auth_info
