import json
import re

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request

from ..models.ecrm_touchpoint import EcrmIngestError

MAX_BATCH = 10000


class EcrmTouchpointController(http.Controller):
    @http.route("/ecrm/v1/touchpoints", type="http", auth="public", methods=["POST"], csrf=False, save_session=False)
    def ingest_touchpoints(self):
        """Store a batch of touchpoint events: ``{"events": [...]}`` with at most 10,000 events.

        Authenticated by ``Authorization: Bearer <Odoo API key>`` only (never a browser
        session), so failures answer in JSON like everything else here.
        """
        match = re.match(r"^bearer\s+(\S+)$", request.httprequest.headers.get("Authorization", ""), re.IGNORECASE)
        if not match:
            return self._error(401, 'Send an Odoo API key in the header "Authorization: Bearer <key>".')
        uid = request.env["res.users.apikeys"].sudo()._check_credentials(scope="rpc", key=match.group(1))
        if not uid:
            return self._error(401, "Invalid or expired API key.")
        request.update_env(user=uid)
        if not request.env.user.has_group("ecrm_core.group_ecrm_integration"):
            return self._error(403, "This API key's user is not in the eCRM / Integration group.")
        try:
            body = json.loads(request.httprequest.get_data() or b"null")
        except ValueError as exc:
            return self._error(400, "The body is not valid JSON: %s" % exc)
        events = body.get("events") if isinstance(body, dict) else None
        if not isinstance(events, list):
            return self._error(400, 'The body must be a JSON object with a list "events".')
        if len(events) > MAX_BATCH:
            return self._error(413, "At most %d events per batch; this one has %d." % (MAX_BATCH, len(events)))
        try:
            result = request.env["ecrm.touchpoint"]._ingest_events(events)
        except EcrmIngestError as exc:
            return self._error(400, str(exc), errors=exc.errors)
        except AccessError as exc:
            return self._error(403, str(exc))
        return request.make_json_response(result, status=200)

    def _error(self, status, message, **extra):
        return request.make_json_response(dict(error=message, **extra), status=status)
