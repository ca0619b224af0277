from odoo.tools import SQL

from .models.website_track import TRACK_VISIT_INDEX


def uninstall_hook(env):
    """Drop the index this addon put on Odoo's website_track table."""
    env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(TRACK_VISIT_INDEX)))
