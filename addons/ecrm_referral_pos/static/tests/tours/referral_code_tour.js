import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TextInputPopup from "@point_of_sale/../tests/tours/utils/text_input_popup_util";
import { registry } from "@web/core/registry";

function enterReferralCode(code) {
    return [
        ...ProductScreen.clickControlButton("Referral code"),
        TextInputPopup.inputText(code),
        Dialog.confirm(),
    ];
}

registry.category("web_tour.tours").add("ecrm_referral_pos_code_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Desk Organizer"),
            // No customer yet: the code is refused with a clear reason.
            enterReferralCode("SARA-TILL"),
            Dialog.is({ title: "Referral code not accepted" }),
            Dialog.bodyIs("Choose the customer first"),
            Dialog.confirm(),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Kian Walk-in"),
            // An unknown code is refused too.
            enterReferralCode("NOPE-0000"),
            Dialog.bodyIs("No member has the referral code NOPE-0000"),
            Dialog.confirm(),
            enterReferralCode("sara-till"),
            {
                content: "the referral is shown on the order, with the member's name",
                trigger: ".o_ecrm_referral_summary:contains(SARA-TILL):contains(Sara Tehrani)",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
        ].flat(),
});
