import logging
import time
from datetime import timedelta

from odoo import fields, models
from odoo.http import request
from odoo.tools import SQL

from odoo.addons.ecrm_core.tools.web import search_keywords

from ..tools.visit import clip, decode_landing, encode_landing, is_external_referrer, summary_pages

_logger = logging.getLogger(__name__)

SOURCE_SYSTEM = "website"
EXTERNAL_ID_PREFIX = "website.visit:"
# Inactivity that ends a visit, in minutes (ir.config_parameter, default 30).
VISIT_TIMEOUT_PARAM = "ecrm_website.visit_timeout_minutes"
DEFAULT_VISIT_TIMEOUT = 30
# Page views a visit records at most; a longer run of page views stops updating its touchpoint.
MAX_VISIT_PAGES = 1000
# Where an anonymous visit came from, kept until the visitor logs in (see _ecrm_remember_landing).
LANDING_COOKIE = "odoo_ecrm_landing"
LANDING_COOKIE_MAX_AGE = 24 * 3600


class WebsiteVisitor(models.Model):
    """Each visit of a known visitor becomes one touchpoint (C1).

    Odoo records a ``website.track`` row for every view of a tracked page
    (``_handle_webpage_dispatch``). A visit is a run of those page views with less
    than 30 minutes between two of them; its touchpoint is keyed
    ``website.visit:<visitor id>:<id of its first page view>`` and rewritten from
    the page views at each new one. Only visitors with a partner (logged-in users)
    are recorded; an anonymous visitor who logs in during a visit brings the page
    views made before along, since Odoo moves them to the user's visitor.
    """

    _inherit = "website.visitor"

    def _handle_webpage_dispatch(self, website_page):
        super()._handle_webpage_dispatch(website_page)
        if not request:
            return
        user = request.env.user
        if user._is_public():
            self._ecrm_remember_landing()
        else:
            self._ecrm_capture_visit(user.partner_id)

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _ecrm_should_record_visit(self, partner):
        """Whether the visits of ``partner`` become touchpoints; override to leave some people out."""
        return bool(partner)

    def _ecrm_visit_timeout(self):
        minutes = self.env["ir.config_parameter"].sudo().get_param(VISIT_TIMEOUT_PARAM, DEFAULT_VISIT_TIMEOUT)
        try:
            minutes = int(minutes)
        except (TypeError, ValueError):
            minutes = DEFAULT_VISIT_TIMEOUT
        return timedelta(minutes=max(minutes, 1))

    # ------------------------------------------------------------------
    # Capture
    # ------------------------------------------------------------------

    def _ecrm_capture_visit(self, partner, page_view=True):
        """Record or update the touchpoint of the visit ``partner`` is making; never raises.

        :param page_view: True when called for the page view of the current request,
            False when called at login (the request is then not a page of the visit).
        """
        if not self._ecrm_should_record_visit(partner):
            return
        try:
            with self.env.cr.savepoint():
                self._ecrm_record_visit(partner, page_view=page_view)
        except Exception:
            _logger.warning("eCRM: could not record the website visit of partner %s", partner.id, exc_info=True)

    def _ecrm_record_visit(self, partner, page_view=True):
        """Create or update the touchpoint of the current visit of ``partner``; return it.

        One SELECT finds the visit's page views and its touchpoint; then one UPDATE
        (or, on the first page view of a visit, one INSERT).
        """
        Touchpoint = self.env["ecrm.touchpoint"].sudo()
        timeout = self._ecrm_visit_timeout()
        # at login, Odoo has just re-keyed or merged the anonymous visitor through the ORM
        self.flush_model(["access_token"])
        self.env["website.track"].flush_model(["visitor_id", "url", "visit_datetime"])
        Touchpoint.flush_model(["source_system", "external_id"])
        rows = self.env.execute_query(self._ecrm_visit_query(str(partner.id), timeout))
        if not rows:
            return Touchpoint
        if not page_view and fields.Datetime.now() - rows[-1][3] >= timeout:
            return Touchpoint  # the last page view is too old: no visit is going on
        visitor_id = rows[0][0]
        urls = [row[2] for row in rows]
        values = {"navigation_path": "\n".join(urls), "summary": self._ecrm_visit_summary(urls)}
        recorded = [row[4] for row in rows if row[4]]
        if recorded:
            touchpoint = Touchpoint.browse(recorded[0])
            if page_view or touchpoint.navigation_path != values["navigation_path"]:
                touchpoint.write(values)
            return touchpoint
        if len(rows) >= MAX_VISIT_PAGES:
            return Touchpoint  # the visit began further back than we look: do not record a truncated one
        first_track_id, landing_url, start = rows[0][1:4]
        referrer, keywords = self._ecrm_visit_origin(first_track_id, page_view and len(rows) == 1)
        website = request.website
        values.update(
            partner_id=partner.id,
            company_id=website._get_cached("company_id"),
            touchpoint_type="web_visit",
            direction="inbound",
            date=start,
            source_system=SOURCE_SYSTEM,
            external_id=f"{EXTERNAL_ID_PREFIX}{visitor_id}:{first_track_id}",
            res_model="website.visitor",
            res_id=visitor_id,
            referrer_url=referrer,
            search_keywords=keywords,
            landing_url=landing_url,
            **self._ecrm_visit_utm(Touchpoint),
        )
        return self.env["ecrm.touchpoint"]._record([values])

    def _ecrm_visit_query(self, access_token, timeout):
        """Page views of the visitor's latest visit, oldest first, and the visit's touchpoint if recorded.

        Rows: (visitor id, track id, url, visit datetime, touchpoint id or None). Walks
        back from the newest page view one at a time while the gap stays under
        ``timeout``, on the index of website_track.init; the touchpoint is looked up
        on the unique (source_system, external_id) index.
        """
        return SQL(
            """
            WITH RECURSIVE visitor AS (
                SELECT id FROM website_visitor WHERE access_token = %(token)s
            ), visit AS (
                (SELECT t.id, t.url, t.visit_datetime, 1 AS depth
                   FROM website_track t
                  WHERE t.visitor_id = (SELECT id FROM visitor) AND t.url IS NOT NULL
                  ORDER BY t.visit_datetime DESC, t.id DESC
                  LIMIT 1)
                UNION ALL
                SELECT previous.id, previous.url, previous.visit_datetime, visit.depth + 1
                  FROM visit
                 CROSS JOIN LATERAL (
                        SELECT t.id, t.url, t.visit_datetime
                          FROM website_track t
                         WHERE t.visitor_id = (SELECT id FROM visitor) AND t.url IS NOT NULL
                           AND (t.visit_datetime, t.id) < (visit.visit_datetime, visit.id)
                         ORDER BY t.visit_datetime DESC, t.id DESC
                         LIMIT 1
                       ) previous
                 WHERE visit.visit_datetime - previous.visit_datetime < %(timeout)s
                   AND visit.depth < %(max_pages)s
            )
            SELECT (SELECT id FROM visitor), visit.id, visit.url, visit.visit_datetime, touchpoint.id
              FROM visit
              LEFT JOIN LATERAL (
                    SELECT id FROM ecrm_touchpoint
                     WHERE source_system = %(source)s
                       AND external_id = %(prefix)s || (SELECT id FROM visitor) || ':' || visit.id
                   ) touchpoint ON TRUE
             ORDER BY visit.visit_datetime, visit.id
            """,
            token=access_token,
            timeout=timeout,
            max_pages=MAX_VISIT_PAGES,
            source=SOURCE_SYSTEM,
            prefix=EXTERNAL_ID_PREFIX,
        )

    def _ecrm_visit_origin(self, first_track_id, is_landing_request):
        """(referring URL, search keywords) of the visit whose first page view is ``first_track_id``.

        On the request of that first page view they are read from the request; when
        the visit began anonymously, from the landing cookie noted back then.
        """
        if is_landing_request:
            httprequest = request.httprequest
            referrer = httprequest.referrer
            referrer = clip(referrer) if is_external_referrer(referrer, httprequest.host) else None
            return referrer, search_keywords(referrer, clip(request.params.get("utm_term"), 255))
        landing = decode_landing(request.cookies.get(LANDING_COOKIE))
        if landing and landing["track"] == first_track_id:
            return landing["referrer"], landing["keywords"]
        return None, None

    def _ecrm_visit_utm(self, Touchpoint):
        """UTM campaign, source and medium of the visit: the request's parameters, else Odoo's UTM cookies."""
        values = {}
        UtmMixin = self.env["utm.mixin"].sudo()
        for url_parameter, field_name, cookie_name in UtmMixin.tracking_fields():
            field = Touchpoint._fields.get(field_name)
            if not field or field.type != "many2one":
                continue
            name = clip(request.params.get(url_parameter) or request.cookies.get(cookie_name), 255)
            if name:
                values[field_name] = UtmMixin._find_or_create_record(field.comodel_name, name).id
        return values

    def _ecrm_visit_summary(self, urls):
        """'Visited 4 pages: /shop, ...', in the website's default language."""
        website = getattr(request, "website", None) or self.env["website"].get_current_website()
        lang = self.env["res.lang"]._get_data(id=website._get_cached("default_lang_id")).code
        env = self.with_context(lang=lang).env
        paths, more = summary_pages(urls)
        pages = ", ".join(paths)
        if more:
            pages = env._("%(pages)s and %(count)s more", pages=pages, count=more)
        if len(urls) == 1:
            return env._("Visited one page: %(pages)s", pages=pages)
        return env._("Visited %(count)s pages: %(pages)s", count=len(urls), pages=pages)

    # ------------------------------------------------------------------
    # Anonymous visits
    # ------------------------------------------------------------------

    def _ecrm_remember_landing(self):
        """Note where an anonymous visitor came from, for the touchpoint made if they log in; never raises.

        Only a page view arriving from another site (or with a ``utm_term``) is noted,
        with the id of its ``website.track`` row: the note counts only when that row
        turns out to be the first page view of the visit. A note less than a visit
        timeout old is kept, so coming back from a search engine in the middle of a
        visit does not replace how the visit began. ``ir.http`` sets the cookie.
        """
        try:
            with self.env.cr.savepoint(flush=False):
                cookie = self._ecrm_landing_cookie()
        except Exception:
            _logger.warning("eCRM: could not note the landing of an anonymous visit", exc_info=True)
            return
        if cookie:
            request.ecrm_landing_cookie = cookie

    def _ecrm_landing_cookie(self):
        """The landing cookie's new value for the current page view, or None to leave it as it is."""
        httprequest = request.httprequest
        referrer = httprequest.referrer
        referrer = clip(referrer) if is_external_referrer(referrer, httprequest.host) else None
        utm_term = clip(request.params.get("utm_term"), 255)
        if not referrer and not utm_term:
            return None
        now = time.time()
        current = decode_landing(request.cookies.get(LANDING_COOKIE))
        if current and 0 <= now - current["time"] < self._ecrm_visit_timeout().total_seconds():
            return None
        [(track_id,)] = self.env.execute_query(
            SQL(
                """
            SELECT max(t.id) FROM website_track t JOIN website_visitor v ON v.id = t.visitor_id
             WHERE v.access_token = %s AND t.url IS NOT NULL
            """,
                self._get_access_token(),
            )
        )
        if not track_id:
            return None
        return encode_landing(track_id, referrer, search_keywords(referrer, utm_term), now)
