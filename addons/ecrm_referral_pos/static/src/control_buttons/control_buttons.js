import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { TextInputPopup } from "@point_of_sale/app/utils/input_popups/text_input_popup";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { ConnectionLostError } from "@web/core/network/rpc";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

patch(ControlButtons.prototype, {
    /** Ask for a member's referral code, check it on the server and put it on the ticket. */
    async clickEcrmReferralCode() {
        const order = this.pos.get_order();
        this.dialog.add(TextInputPopup, {
            title: _t("Referral code"),
            placeholder: _t("The member's code, e.g. ROYA-2026"),
            startingValue: order.ecrm_referral_code || "",
            getPayload: async (code) => {
                code = (code || "").trim();
                if (!code) {
                    // An empty code takes the referral off the ticket.
                    order.ecrm_referral_code = false;
                    order.uiState.ecrmReferrer = false;
                    return;
                }
                let result;
                try {
                    result = await this.pos.data.call("pos.order", "ecrm_check_referral_code", [
                        code,
                        order.get_partner()?.id || false,
                    ]);
                } catch (error) {
                    if (!(error instanceof ConnectionLostError)) {
                        throw error;
                    }
                    result = {
                        ok: false,
                        error: _t(
                            "The code cannot be checked while the till is offline; enter it again when the connection is back."
                        ),
                    };
                }
                if (!result.ok) {
                    this.dialog.add(AlertDialog, {
                        title: _t("Referral code not accepted"),
                        body: result.error,
                    });
                    return;
                }
                order.ecrm_referral_code = result.code;
                order.uiState.ecrmReferrer = result.referrer;
                this.notification.add(_t("Referred by %s", result.referrer), { type: "success" });
                if (result.warning) {
                    this.notification.add(result.warning, { type: "warning", sticky: true });
                }
            },
        });
    },
});
