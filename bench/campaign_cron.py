"""campaign_cron: the campaign cron advancing 100,000 participants one step (ecrm_campaign, K1).

A running campaign has a first step already done for 100,000 participants and a second step
("delay 0 after the first step, then add an interest tag") due for all of them. Ours is
``ecrm.campaign._cron_advance()``: one query for the due participants, the trigger, one batch
action, one INSERT of path lines and one ``ecrm.touchpoint._record`` call. The baseline is the
bare minimum the same change needs in SQL: one INSERT of the tag rows and one INSERT of the path
lines, nothing else (no trigger, no touchpoints). Time and peak memory (tracemalloc) are reported.
"""

import time
import tracemalloc


def _prepare(bench, partners):
    """Two campaigns (ours and the baseline's), each with its participants past the first step."""
    with bench.cursor() as cr:
        env = bench.env(cr)
        partner_ids = env["res.partner"].search([("email", "like", "bench.%")], limit=partners, order="id").ids
        tags = env["ecrm.profile.tag"].create(
            [{"name": "Bench ours", "kind": "interest"}, {"name": "Bench baseline", "kind": "interest"}]
        )
        campaigns = {}
        for label, tag in zip(("ours", "baseline"), tags, strict=True):
            campaign = env["ecrm.campaign"].create(
                {"name": "Bench %s" % label, "audience_type": "domain", "audience_domain": "[('id', '=', 0)]"}
            )
            first = env["ecrm.campaign.step"].create(
                {"name": "First", "campaign_id": campaign.id, "trigger": "audience", "action": "end"}
            )
            second = env["ecrm.campaign.step"].create(
                {
                    "name": "Second",
                    "campaign_id": campaign.id,
                    "parent_id": first.id,
                    "trigger": "delay",
                    "delay": 0,
                    "action": "tag_add",
                    "profile_tag_id": tag.id,
                }
            )
            campaign._add_participants(partner_ids)
            env.flush_all()
            cr.execute(
                """INSERT INTO ecrm_campaign_participant_step (participant_id, step_id, campaign_id, company_id,
                                                              partner_id, date, state)
                   SELECT id, %s, campaign_id, company_id, partner_id, date_enter, 'done'
                     FROM ecrm_campaign_participant WHERE campaign_id = %s""",
                (first.id, campaign.id),
            )
            campaign.state = "running"
            campaigns[label] = (campaign.id, second.id, tag.id)
    bench.vacuum_analyze("ecrm_campaign_participant", "ecrm_campaign_participant_step", "res_partner")
    return len(partner_ids), campaigns


def campaign_cron(bench):
    partners = bench.size(100_000)
    bench.generate(partners=partners, touchpoints=0, orders=0)
    bench.install("ecrm_campaign")
    population, campaigns = _prepare(bench, partners)

    # baseline: the same change in bare SQL
    campaign_id, step_id, tag_id = campaigns["baseline"]
    with bench.cursor() as cr:
        started = time.perf_counter()
        cr.execute(
            """INSERT INTO ecrm_partner_interest_tag_rel (partner_id, tag_id)
               SELECT partner_id, %s FROM ecrm_campaign_participant WHERE campaign_id = %s
               ON CONFLICT DO NOTHING""",
            (tag_id, campaign_id),
        )
        cr.execute(
            """INSERT INTO ecrm_campaign_participant_step (participant_id, step_id, campaign_id, company_id,
                                                          partner_id, date, state)
               SELECT id, %s, campaign_id, company_id, partner_id, now() AT TIME ZONE 'UTC', 'done'
                 FROM ecrm_campaign_participant WHERE campaign_id = %s""",
            (step_id, campaign_id),
        )
        baseline_rows = cr.rowcount
        baseline = time.perf_counter() - started

    # ours: the cron, only our campaign running
    campaign_id, step_id, tag_id = campaigns["ours"]
    with bench.cursor() as cr:
        env = bench.env(cr)
        env["ecrm.campaign"].browse(campaigns["baseline"][0]).state = "stopped"
        env.flush_all()
        tracemalloc.start()
        started = time.perf_counter()
        with bench.profiling("campaign_cron"):
            env["ecrm.campaign"]._cron_advance()
            env.flush_all()
        ours = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        cr.execute("SELECT count(*) FROM ecrm_campaign_participant_step WHERE step_id = %s", (step_id,))
        ours_rows = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM ecrm_partner_interest_tag_rel WHERE tag_id = %s", (tag_id,))
        tagged = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM ecrm_touchpoint WHERE res_model = 'ecrm.campaign.participant.step'")
        touchpoints = cr.fetchone()[0]
    if ours_rows != population or tagged != population:
        raise RuntimeError("the cron advanced %d participants and tagged %d, of %d" % (ours_rows, tagged, population))
    ratio = ours / baseline if baseline else float("inf")
    return {
        "ours_s": ours,
        "baseline_s": baseline,
        "ratio": ratio,
        "target": "report time and peak memory",
        "passed": True,
        "rows": ours_rows,
        "peak_memory_mb": round(peak / 2**20, 1),
        "lines": [
            "data:     %d participants past the first step of a running campaign" % population,
            "ours:     ecrm.campaign._cron_advance(): %d advanced one step (tag added, path line, %d touchpoints) "
            "in %.2f s, %.0f participants/s, peak Python memory %.1f MB"
            % (ours_rows, touchpoints, ours, ours_rows / ours, peak / 2**20),
            "baseline: bare SQL INSERT of the tag rows and the path lines of the same participants (%d): %.2f s"
            % (baseline_rows, baseline),
            "ratio:    ours / baseline = %.1f (ours also evaluates the trigger and records a touchpoint per "
            "participant)" % ratio,
        ],
    }


SCENARIOS = {"campaign_cron": campaign_cron}
