"""A forgotten person's website visitors and page views are deleted (C16)."""

from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install", "ecrm_website")
class TestForgetVisitor(TransactionCase):
    def test_visitor_and_page_views_go(self):
        manager = new_test_user(self.env, "ecrm_web_manager", groups="base.group_user,ecrm_core.group_ecrm_manager")
        person = self.env["res.partner"].create({"name": "Vahid Visitor", "email": "vahid.visitor@example.com"})
        other = self.env["res.partner"].create({"name": "Other Visitor"})
        visitors = self.env["website.visitor"].create(
            [{"access_token": str(person.id)}, {"access_token": str(other.id)}]
        )
        self.assertEqual(visitors.partner_id, person | other)
        tracks = self.env["website.track"].create(
            [{"visitor_id": visitor.id, "url": "/shop/flowers"} for visitor in visitors]
        )
        export = person.sudo()._ecrm_personal_data_export()
        self.assertEqual([view["url"] for view in export["website_page_views"]], ["/shop/flowers"])
        person.with_user(manager)._ecrm_forget()
        self.assertFalse(visitors[0].exists())
        self.assertFalse(tracks[0].exists())
        self.assertTrue(visitors[1].exists() and tracks[1].exists(), "other visitors are untouched")
