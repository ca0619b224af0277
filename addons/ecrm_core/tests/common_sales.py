from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests.common import new_test_user

from .common import EcrmCommon


class EcrmSalesCommon(EcrmCommon):
    """A separate company with its own customers and confirmed orders, for the analytics on sales.

    The analytics rank a whole company's customers, so the tests build theirs in a company of
    their own, untouched by demo data; the users of the main company (``user_ecrm``...) must
    see nothing of it. ``user_other`` is an eCRM manager of that company only.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_company = cls.env["res.company"].create(
            {"name": "Caspian Furniture", "currency_id": cls.env.company.currency_id.id}
        )
        cls.user_other = new_test_user(
            cls.env,
            login="caspian_manager",
            name="Caspian Manager",
            groups="base.group_user,ecrm_core.group_ecrm_manager,sales_team.group_sale_manager",
            company_id=cls.sales_company.id,
            company_ids=[Command.set(cls.sales_company.ids)],
        )
        cls.env["ir.config_parameter"].set_param("ecrm_core.best_customer_percent", "5")
        cls.env["ir.config_parameter"].set_param("ecrm_core.best_customer_months", "12")

    @classmethod
    def _product(cls, name, price=100.0, **values):
        return cls.env["product.product"].create(
            {"name": name, "list_price": price, "type": "consu", "taxes_id": [Command.clear()], **values}
        )

    @classmethod
    def _order(cls, partner, lines, days_ago=1, confirm=True, company=None):
        """A sale order of ``partner`` in the sales company; ``lines`` are (product, quantity, unit price)."""
        company = company or cls.sales_company
        order = (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": quantity,
                                "price_unit": price,
                                "tax_id": [Command.clear()],
                            }
                        )
                        for product, quantity, price in lines
                    ],
                }
            )
        )
        if confirm:
            order.action_confirm()
        # confirmation stamps the date: put the order back where the test wants it
        order.date_order = fields.Datetime.now() - timedelta(days=days_ago)
        return order
