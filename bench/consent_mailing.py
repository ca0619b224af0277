"""consent_audience, consent_send: the consent ledger's cost on mass mailing (ecrm_campaign, K2).

consent_audience
    A mailing to 100,000 contacts (80% granted, 10% pending, 5% withdrawn, 5% without consent,
    2% of all blacklisted). Ours: ``mailing._get_recipients()`` of a mailing under the newsletter
    purpose (stock recipient search + the consent filter, one SQL statement). Baseline: stock
    mass_mailing's ``_get_recipients()`` of the same mailing without a purpose (no filter). Same
    run, median of --repeat. Target: ours at most 1.5x the baseline.

consent_send
    10,000 contacts who all consented, mailed through the whole pipeline: ``action_send_mail``
    (composer, mail.mail, traces) and the mail queue sending to a local SMTP sink (a small SMTP
    server in a thread of this process). Ours: a mailing under the newsletter purpose (consent
    at audience, again per batch at send, signed unsubscribe links and List-Unsubscribe headers).
    Baseline: the same mailing without a purpose, i.e. stock mass_mailing. Target: at least 0.7
    of the baseline's throughput (ours_s / baseline_s <= 1/0.7).
"""

import socketserver
import threading
import time

TARGET_AUDIENCE = 1.5
TARGET_THROUGHPUT = 0.7


def _median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _consents(cr, partner_ids, purpose_id, shares):
    """Write consents straight in SQL: ``shares`` is [(state or None, share)], in order over ``partner_ids``."""
    start = 0
    for state, share in shares:
        count = round(len(partner_ids) * share)
        chunk = partner_ids[start : start + count]
        start += count
        if state:
            cr.execute(
                """INSERT INTO ecrm_consent (partner_id, channel, purpose_id, state, company_id, last_change_date,
                                             granted_date, method, create_uid, write_uid, create_date, write_date)
                   SELECT id, 'email', %s, %s, 1, now() at time zone 'utc', now() at time zone 'utc', 'import',
                          1, 1, now() at time zone 'utc', now() at time zone 'utc'
                     FROM unnest(%s::int[]) AS id""",
                (purpose_id, state, chunk),
            )


def _mailing(env, name, purpose, partner_domain):
    return env["mailing.mailing"].create(
        {
            "subject": name,
            "mailing_model_id": env["ir.model"]._get_id("res.partner"),
            "mailing_domain": repr(partner_domain),
            "body_html": '<p>Hello</p><p><a href="https://www.example.com/offer">Offer</a></p>'
            '<p><a href="/unsubscribe_from_list">Unsubscribe</a></p>',
            "ecrm_consent_purpose_id": purpose.id if purpose else False,
            "keep_archives": False,
        }
    )


def consent_audience(bench):
    partners = bench.size(100_000)
    bench.generate(partners=partners, touchpoints=0, orders=0)
    bench.install("ecrm_campaign")
    with bench.cursor() as cr:
        env = bench.env(cr)
        newsletter = env.ref("ecrm_campaign.consent_purpose_newsletter")
        cr.execute("SELECT id FROM res_partner WHERE email LIKE 'bench.%%' AND NOT is_company ORDER BY id")
        partner_ids = [row[0] for row in cr.fetchall()]
        _consents(cr, partner_ids, newsletter.id, [("granted", 0.80), ("pending", 0.10), ("withdrawn", 0.05)])
        cr.execute(
            """INSERT INTO mail_blacklist (email, active, create_uid, write_uid, create_date, write_date)
               SELECT email_normalized, true, 1, 1, now(), now() FROM res_partner
                WHERE id = ANY(%s) AND id %% 50 = 0""",
            (partner_ids,),
        )
        domain = [("email", "like", "bench.%"), ("is_company", "=", False)]
        ours_id = _mailing(env, "Bench consent", newsletter, domain).id
        baseline_id = _mailing(env, "Bench stock", None, domain).id
    bench.vacuum_analyze("res_partner", "ecrm_consent", "mail_blacklist")
    bench.say("consent_audience: %d contacts, 80%% granted, 2%% blacklisted" % len(partner_ids))

    ours_runs, baseline_runs, sizes = [], [], {}
    for _run in range(bench.repeat):
        for label, mailing_id, runs in (("baseline", baseline_id, baseline_runs), ("ours", ours_id, ours_runs)):
            with bench.cursor() as cr:
                env = bench.env(cr)
                mailing = env["mailing.mailing"].browse(mailing_id)
                env.invalidate_all()
                started = time.perf_counter()
                with bench.profiling("consent_audience") if label == "ours" else _nothing():
                    recipients = mailing._get_recipients()
                runs.append(time.perf_counter() - started)
                sizes[label] = len(recipients)
                cr.rollback()
    ours, baseline = _median(ours_runs), _median(baseline_runs)
    ratio = ours / baseline if baseline else float("inf")
    return {
        "ours_s": ours,
        "baseline_s": baseline,
        "ratio": ratio,
        "target": TARGET_AUDIENCE,
        "rows": len(partner_ids),
        "passed": ratio <= TARGET_AUDIENCE,
        "lines": [
            "consent_audience: %d contacts; stock recipients %d in %s s (median %.3f s); "
            "with the consent filter %d in %s s (median %.3f s); ratio %.2f (target <= %.1f)"
            % (
                len(partner_ids),
                sizes["baseline"],
                ", ".join("%.3f" % run for run in baseline_runs),
                baseline,
                sizes["ours"],
                ", ".join("%.3f" % run for run in ours_runs),
                ours,
                ratio,
                TARGET_AUDIENCE,
            )
        ],
    }


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ----------------------------------------------------------------------
# A local SMTP sink: accepts everything, keeps only a count
# ----------------------------------------------------------------------


class _SmtpHandler(socketserver.StreamRequestHandler):
    def _reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self):
        self._reply("220 bench sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.strip().split(b" ", 1)[0].upper()
            if command == b"EHLO":
                self.wfile.write(b"250-bench sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 52428800\r\n")
            elif command == b"DATA":
                self._reply("354 end with .")
                while True:
                    data = self.rfile.readline()
                    if not data or data in (b".\r\n", b".\n"):
                        break
                self.server.received += 1
                self._reply("250 queued")
            elif command == b"QUIT":
                self._reply("221 bye")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self._reply("250 ok")


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.received = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        return False


def consent_send(bench):
    count = bench.size(10_000)
    bench.generate(partners=count, touchpoints=0, orders=0)
    bench.install("ecrm_campaign")
    with SmtpSink() as sink:
        with bench.cursor() as cr:
            env = bench.env(cr)
            env["ir.mail_server"].search([]).active = False
            env["ir.mail_server"].create(
                {
                    "name": "bench sink",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": sink.server_address[1],
                    "smtp_encryption": "none",
                    "sequence": 1,
                }
            )
            env["ir.config_parameter"].set_param("mail.catchall.domain", "example.com")
            env["ir.config_parameter"].set_param("mail.default.from", "bench")
            newsletter = env.ref("ecrm_campaign.consent_purpose_newsletter")
            cr.execute("SELECT id FROM res_partner WHERE email LIKE 'bench.%%' AND NOT is_company ORDER BY id")
            partner_ids = [row[0] for row in cr.fetchall()]
            _consents(cr, partner_ids, newsletter.id, [("granted", 1.0)])
            domain = [("id", "in", partner_ids)]
            mailings = {
                "baseline": _mailing(env, "Bench stock", None, domain).id,
                "ours": _mailing(env, "Bench consent", newsletter, domain).id,
            }
        bench.vacuum_analyze("res_partner", "ecrm_consent")
        bench.say(
            "consent_send: %d contacts, all granted; SMTP sink on port %d" % (len(partner_ids), sink.server_address[1])
        )
        times, sent = {}, {}
        for label in ("baseline", "ours"):
            before = sink.received
            started = time.perf_counter()
            with bench.cursor() as cr:
                env = bench.env(cr)
                with bench.profiling("consent_send") if label == "ours" else _nothing():
                    env["mailing.mailing"].browse(mailings[label]).action_send_mail()
            # the mail queue, as the cron runs it (committing each batch)
            while True:
                with bench.cursor() as cr:
                    env = bench.env(cr)
                    mails = env["mail.mail"].search([("state", "=", "outgoing")], limit=1000)
                    if not mails:
                        break
                    mails.send(auto_commit=True)
            times[label] = time.perf_counter() - started
            sent[label] = sink.received - before
    ours, baseline = times["ours"], times["baseline"]
    throughput = {label: sent[label] / times[label] for label in times}
    relative = throughput["ours"] / throughput["baseline"] if throughput["baseline"] else 0.0
    if sent["ours"] != len(partner_ids) or sent["baseline"] != len(partner_ids):
        raise RuntimeError("the sink received %s of %d mails per side" % (sent, len(partner_ids)))
    return {
        "ours_s": ours,
        "baseline_s": baseline,
        "ratio": ours / baseline if baseline else float("inf"),
        "target": round(1 / TARGET_THROUGHPUT, 3),
        "rows": len(partner_ids),
        "passed": relative >= TARGET_THROUGHPUT,
        "lines": [
            "consent_send: %d mails each to a local SMTP sink; stock mass_mailing %.1f s (%.1f mails/s), "
            "with consent checks, signed links and headers %.1f s (%.1f mails/s); throughput %.2f of stock "
            "(target >= %.1f)"
            % (
                len(partner_ids),
                baseline,
                throughput["baseline"],
                ours,
                throughput["ours"],
                relative,
                TARGET_THROUGHPUT,
            )
        ],
    }


SCENARIOS = {"consent_audience": consent_audience, "consent_send": consent_send}
