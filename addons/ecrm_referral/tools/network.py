"""Referral network maths (V3, V6): up-line paths, cycles, level rewards, caps, spread figures.

Plain functions over plain data, no Odoo import. Every member's up-line is kept as an
ancestor path, nearest first: ``[referrer, referrer's referrer, ...]``. Level ``n`` of a
reward goes to ``path[n - 1]``, and a cycle is a member appearing in their own up-line.
"""

import re
import secrets
import statistics

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a shop
CODE_RE = re.compile(r"^[A-Z0-9-]{4,32}$")


def new_code(length=8):
    """A random referral code people can read out at a till."""
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(length))


def clean_code(raw):
    """The code as stored (upper case, no spaces), or None when it cannot be one."""
    code = re.sub(r"\s+", "", raw or "").upper()
    return code if CODE_RE.match(code) else None


def ancestor_path(referrer_id, referrer_ancestors):
    """Up-line of someone referred by ``referrer_id``: the referrer, then the referrer's own up-line."""
    return [referrer_id, *(referrer_ancestors or ())]


def creates_cycle(referred_id, referrer_id, referrer_ancestors):
    """True when linking ``referred_id`` under ``referrer_id`` would close a loop (A refers B refers A)."""
    return referred_id == referrer_id or referred_id in (referrer_ancestors or ())


def level_rewards(base_amount, levels, depth=None):
    """``[(level, beneficiary index, amount)]`` for a purchase of ``base_amount``.

    ``levels`` maps a level number (1 = direct referrer) to ``(percent, fixed)``; ``depth``
    cuts the chain. Amounts are rounded to cents; a level with nothing to pay is left out.
    """
    depth = depth or max(levels or [0])
    rewards = []
    for level in sorted(levels):
        if level > depth:
            break
        percent, fixed = levels[level]
        amount = round(base_amount * (percent or 0.0) / 100.0 + (fixed or 0.0), 2)
        if amount > 0:
            rewards.append((level, level - 1, amount))
    return rewards


def apply_cap(amounts, already_earned, cap):
    """Cut a sequence of reward amounts so their running total with ``already_earned`` stays within ``cap``.

    ``cap`` of 0 or None means no cap. Returns the amounts actually granted, in order.
    """
    if not cap:
        return list(amounts)
    granted, total = [], already_earned
    for amount in amounts:
        room = max(0.0, cap - total)
        given = round(min(amount, room), 2)
        granted.append(given)
        total += amount
    return granted


def viral_coefficient(members, invitations, signups):
    """K = invitations per member x conversion of invitations into sign-ups (= sign-ups per member).

    Above 1 every member brings more than one new member and the spread is exponential (V6).
    """
    if not members:
        return 0.0
    if not invitations:
        return round(signups / members, 3)
    return round((invitations / members) * (signups / invitations), 3)


def cycle_time_days(delays):
    """Median days between a member joining and their first referral joining (the viral cycle time)."""
    values = [delay for delay in delays if delay is not None]
    return round(statistics.median(values), 1) if values else 0.0


def generation_of(path):
    """Generation of a member: 1 when referred by a root member, 2 one step further, and so on."""
    return len(path or ())


def downline(edges, root_id, max_depth=None):
    """``[(partner_id, generation)]`` under ``root_id`` given ``(referrer, referred)`` edges, breadth first."""
    children = {}
    for referrer, referred in edges:
        children.setdefault(referrer, []).append(referred)
    result, frontier, seen, generation = [], [root_id], {root_id}, 0
    while frontier and (max_depth is None or generation < max_depth):
        generation += 1
        following = []
        for parent in frontier:
            for child in sorted(children.get(parent, ())):
                if child not in seen:
                    seen.add(child)
                    result.append((child, generation))
                    following.append(child)
        frontier = following
    return result
