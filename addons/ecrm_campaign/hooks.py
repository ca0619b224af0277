from odoo.tools import SQL


def uninstall_hook(env):
    """Let the uninstall remove the contacts and segments our records point to.

    While the module is installed, consents and their events keep their contact ("restrict": the
    proof of consent must not lose its person) and campaigns keep their segment. When the module
    goes, its tables go too, but Odoo deletes the records of the removed modules (demo contacts of
    ecrm_destination, for example) before it drops the tables: those "restrict" foreign keys would
    refuse it. Drop them first.
    """
    env.cr.execute(
        """
        SELECT con.conrelid::regclass::text, con.conname
          FROM pg_constraint con
          JOIN pg_class rel ON rel.oid = con.conrelid
         WHERE con.contype = 'f' AND con.confdeltype = 'r'
           AND (rel.relname LIKE 'ecrm\\_campaign%' OR rel.relname LIKE 'ecrm\\_consent%')
        """
    )
    for table, constraint in env.cr.fetchall():
        env.cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(constraint)))
