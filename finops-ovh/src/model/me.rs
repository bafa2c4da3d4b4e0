//! `me`: the account (NIC handle), bills, IAM users and the audit log.

use super::*;

/// `nichandle.Currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NicCurrency {
    /// ISO code (`EUR`).
    pub code: String,
    /// Symbol.
    #[serde(default)]
    pub symbol: Option<String>,
}

/// `GET /me` (`nichandle.Nichandle`, the fields used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Me {
    /// NIC handle (`xx11111-ovh`), the account id.
    pub nichandle: String,
    /// Account e-mail.
    pub email: String,
    /// Customer code (`1234-5678-90`), used in `services.expanded` contacts.
    #[serde(default)]
    pub customer_code: Option<String>,
    /// Account currency.
    #[serde(default)]
    pub currency: Option<NicCurrency>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// First name.
    #[serde(default)]
    pub firstname: Option<String>,
    /// Organisation.
    #[serde(default)]
    pub organisation: Option<String>,
}

/// `order.Price` / `order.LongPrice`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Price {
    /// ISO currency (`EUR`).
    pub currency_code: String,
    /// Formatted text (`100.00 €`).
    #[serde(default)]
    pub text: Option<String>,
    /// Exact amount.
    #[serde(with = "num")]
    pub value: Decimal,
}

/// `GET /me/bill/{billId}` (`billing.Bill`, without `password`/`url`/`pdfUrl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Bill {
    /// Bill id (`FR12345678`).
    pub bill_id: String,
    /// Issue date.
    pub date: OvhDateTime,
    /// Category (`autorenew`, `purchase`, …).
    #[serde(default)]
    pub category: Option<String>,
    /// Order id.
    #[serde(default)]
    pub order_id: Option<i64>,
    /// Price before tax.
    pub price_without_tax: Price,
    /// Price with tax.
    pub price_with_tax: Price,
    /// Tax.
    pub tax: Price,
}

/// `GET /me/bill/{billId}/details/{detailId}` (`billing.BillDetail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BillDetail {
    /// Detail id.
    pub bill_detail_id: String,
    /// Description.
    pub description: String,
    /// The service billed (project id, PCC name, …).
    pub domain: String,
    /// Period start (`YYYY-MM-DD`).
    #[serde(default)]
    pub period_start: Option<String>,
    /// Period end (`YYYY-MM-DD`).
    #[serde(default)]
    pub period_end: Option<String>,
    /// Quantity (a string in the schema; parsed exactly).
    #[serde(with = "num")]
    pub quantity: Decimal,
    /// Total.
    pub total_price: Price,
    /// Unit price.
    pub unit_price: Price,
}

/// `GET /me/identity/user/{login}` (`auth.User`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IdentityUser {
    /// Login.
    pub login: String,
    /// E-mail.
    pub email: String,
    /// Group.
    #[serde(default)]
    pub group: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `OK|DISABLED|PASSWORD_CHANGE_REQUIRED`.
    pub status: String,
    /// URN.
    #[serde(default)]
    pub urn: Option<String>,
    /// Creation.
    pub creation: OvhDateTime,
    /// Last update.
    #[serde(default)]
    pub last_update: Option<OvhDateTime>,
    /// Last password change.
    #[serde(default)]
    pub password_last_update: Option<OvhDateTime>,
}

/// `audit.Log.authDetails.userDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditUserDetails {
    /// `ACCOUNT|PROVIDER|USER`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The IAM user login (absent for the root account).
    #[serde(default)]
    pub user: Option<String>,
}

/// `audit.Log.authDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditAuthDetails {
    /// Who logged in.
    pub user_details: AuditUserDetails,
}

/// `audit.Log.loginSuccessDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginSuccessDetails {
    /// `BACKUP_CODE|MAIL|NONE|SMS|TOTP|U2F|UNKNOWN`.
    #[serde(default)]
    pub mfa_type: Option<String>,
    /// User agent.
    #[serde(default)]
    pub user_agent: Option<String>,
}

/// One `GET /me/logs/audit` entry (`audit.Log`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditLog {
    /// When.
    pub created_at: OvhDateTime,
    /// Source IP.
    #[serde(default)]
    pub ip: Option<String>,
    /// `LOGIN_SUCCESS|ACCOUNT_PASSWORD_CHANGED|USER_PASSWORD_CHANGED`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who.
    #[serde(default)]
    pub auth_details: Option<AuditAuthDetails>,
    /// Login details (MFA type).
    #[serde(default)]
    pub login_success_details: Option<LoginSuccessDetails>,
}
