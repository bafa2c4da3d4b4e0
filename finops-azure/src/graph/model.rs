//! Microsoft Graph wire types (the fields this client reads), as `GET`/`POST` return them.

use serde::{Deserialize, Serialize};

/// A SharePoint site (`GET /sites/{hostname}:/{path}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    /// `{hostname},{site-collection-id},{web-id}`.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// URL.
    #[serde(default)]
    pub web_url: Option<String>,
}

/// A drive: a document library or a OneDrive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Drive {
    /// Drive id (`b!…`).
    pub id: String,
    /// Library name (`Documents`, `Shared Documents`).
    #[serde(default)]
    pub name: Option<String>,
    /// `documentLibrary`, `business`, `personal`.
    #[serde(default)]
    pub drive_type: Option<String>,
}

/// The `folder` facet of a folder item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderFacet {
    /// Number of children.
    #[serde(default)]
    pub child_count: Option<u64>,
}

/// The `file` facet of a file item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileFacet {
    /// MIME type.
    #[serde(default)]
    pub mime_type: Option<String>,
}

/// A file or folder (`driveItem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveItem {
    /// Item id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Present on folders.
    #[serde(default)]
    pub folder: Option<FolderFacet>,
    /// Present on files.
    #[serde(default)]
    pub file: Option<FileFacet>,
    /// ETag.
    #[serde(default, rename = "eTag")]
    pub e_tag: Option<String>,
}

impl DriveItem {
    /// Whether it is a folder.
    pub fn is_folder(&self) -> bool {
        self.folder.is_some()
    }
}

/// A page of `GET …/children` (or `/drives`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Page<T> {
    /// The items.
    pub value: Vec<T>,
    /// The next page, absolute URL.
    #[serde(default, rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

/// An upload session (`POST …/createUploadSession`, `GET <uploadUrl>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadSession {
    /// Pre-authenticated URL taking the fragments (no `Authorization` header).
    #[serde(default)]
    pub upload_url: Option<String>,
    /// When the session expires.
    #[serde(default)]
    pub expiration_date_time: Option<String>,
    /// Byte ranges still missing, `"start-end"` or `"start-"`.
    #[serde(default)]
    pub next_expected_ranges: Vec<String>,
}

impl UploadSession {
    /// The first missing byte, from `nextExpectedRanges`.
    pub fn next_offset(&self) -> Option<u64> {
        self.next_expected_ranges
            .iter()
            .filter_map(|r| r.split('-').next()?.trim().parse::<u64>().ok())
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_expected_ranges() {
        let s: UploadSession = serde_json::from_str(
            r#"{"expirationDateTime":"2015-01-29T09:21:55.523Z","nextExpectedRanges":["77829-99375","12345-55232"]}"#,
        )
        .unwrap();
        assert_eq!(s.next_offset(), Some(12345));
        let s: UploadSession = serde_json::from_str(
            r#"{"uploadUrl":"https://sn3302.up.1drv.com/up/fe6987415ace7X4e1eF866337","expirationDateTime":"2015-01-29T09:21:55.523Z","nextExpectedRanges":["0-"]}"#,
        )
        .unwrap();
        assert_eq!(s.next_offset(), Some(0));
        assert!(s.upload_url.is_some());
    }

    #[test]
    fn items() {
        let i: DriveItem = serde_json::from_str(
            r#"{"id":"01BYE5RZ","name":"CMDB.xlsx","size":1234,"file":{"mimeType":"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},"eTag":"\"{1}\",1"}"#,
        )
        .unwrap();
        assert!(!i.is_folder());
        let p: Page<DriveItem> = serde_json::from_str(
            r#"{"value":[{"id":"a","name":"x","folder":{"childCount":2}}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/next"}"#,
        )
        .unwrap();
        assert!(p.value[0].is_folder());
        assert!(p.next_link.is_some());
    }
}
