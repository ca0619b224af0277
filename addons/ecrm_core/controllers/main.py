import json
import re

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request

from ..models.ecrm_touchpoint import EcrmIngestError

MAX_BATCH = 10000
BATCH_URL = "/ecrm/v1/touchpoints/batches/%d"


class EcrmTouchpointController(http.Controller):
    @http.route("/ecrm/v1/touchpoints", type="http", auth="public", methods=["POST"], csrf=False, save_session=False)
    def ingest_touchpoints(self):
        """Accept a batch of touchpoint events: ``{"events": [...]}`` with at most 10,000 events.

        Authenticated by ``Authorization: Bearer <Odoo API key>`` only (never a browser
        session), so failures answer in JSON like everything else here. A valid batch is
        queued and answered with HTTP 202 and the batch's id; it is stored within seconds,
        and ``GET /ecrm/v1/touchpoints/batches/<id>`` then gives what became of it. A batch
        with any invalid event is refused whole (HTTP 400, one entry per bad event).
        """
        failure = self._authenticate()
        if failure:
            return failure
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
            batch = request.env["ecrm.touchpoint"]._ingest_queue(events)
        except EcrmIngestError as exc:
            return self._error(400, str(exc), errors=exc.errors)
        except AccessError as exc:
            return self._error(403, str(exc))
        result = dict(batch.sudo()._result(), status_url=BATCH_URL % batch.id)
        return request.make_json_response(result, status=202 if batch.state == "queued" else 200)

    @http.route(
        "/ecrm/v1/touchpoints/batches/<int:batch_id>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def touchpoint_batch(self, batch_id):
        """What became of a batch: ``status`` (queued, done) and the created, skipped and matched counts."""
        failure = self._authenticate()
        if failure:
            return failure
        batch = request.env["ecrm.touchpoint.batch"].search([("id", "=", batch_id)])
        if not batch:
            return self._error(404, "No batch %d among those of your companies." % batch_id)
        return request.make_json_response(batch._result(), status=200)

    def _authenticate(self):
        """Switch to the API key's user; an error response when the key is missing, wrong or not allowed."""
        match = re.match(r"^bearer\s+(\S+)$", request.httprequest.headers.get("Authorization", ""), re.IGNORECASE)
        if not match:
            return self._error(401, 'Send an Odoo API key in the header "Authorization: Bearer <key>".')
        uid = request.env["res.users.apikeys"].sudo()._check_credentials(scope="rpc", key=match.group(1))
        if not uid:
            return self._error(401, "Invalid or expired API key.")
        request.update_env(user=uid)
        if not request.env.user.has_group("ecrm_core.group_ecrm_integration"):
            return self._error(403, "This API key's user is not in the eCRM / Integration group.")
        return None

    def _error(self, status, message, **extra):
        return request.make_json_response(dict(error=message, **extra), status=status)
