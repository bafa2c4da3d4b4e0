//! Drive operations of the Graph emulator: items by path or id, children, folders, small
//! uploads, deletes, with Graph's name rules and conflict behaviour.

use super::*;

#[derive(Debug, Clone)]
pub(super) enum Target {
    Path(Vec<String>),
    Id(String),
}

#[allow(clippy::too_many_arguments)]
pub(super) fn drive_op(
    g: &mut Emu,
    drive: &str,
    target: Target,
    op: &[&str],
    method: &Method,
    uri: &Uri,
    q: &HashMap<String, String>,
    body: &Bytes,
) -> Response {
    let Some(d) = g.drive(drive) else {
        return err(StatusCode::NOT_FOUND, "itemNotFound", "drive not found");
    };
    let found = match &target {
        Target::Path(p) => d.by_path(p).cloned(),
        Target::Id(id) => d.items.get(id).cloned(),
    };
    match (method.clone(), op) {
        (Method::GET, []) => match found {
            Some(i) => ok_json(StatusCode::OK, g.item_json(drive, &i)),
            None => err(
                StatusCode::NOT_FOUND,
                "itemNotFound",
                "The resource could not be found.",
            ),
        },
        (Method::GET, ["children"]) => {
            let Some(i) = found.filter(|i| i.folder) else {
                return err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "The resource could not be found.",
                );
            };
            let mut kids: Vec<Item> = d
                .items
                .values()
                .filter(|c| c.parent.as_deref() == Some(i.id.as_str()))
                .cloned()
                .collect();
            kids.sort_by_key(|a| a.name.to_lowercase());
            let skip: usize = q
                .get("$skiptoken")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let page = g.cfg.page_size.max(1);
            let value: Vec<Value> = kids
                .iter()
                .skip(skip)
                .take(page)
                .map(|k| g.item_json(drive, k))
                .collect();
            let mut v = json!({"value": value});
            if skip + page < kids.len() {
                v["@odata.nextLink"] = json!(format!(
                    "{}{}?$skiptoken={}",
                    g.base,
                    uri.path(),
                    skip + page
                ));
            }
            ok_json(StatusCode::OK, v)
        }
        (Method::POST, ["children"]) => {
            let Some(parent) = found.filter(|i| i.folder) else {
                return err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "The parent folder could not be found.",
                );
            };
            let Ok(v) = serde_json::from_slice::<Value>(body) else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "Invalid JSON body",
                );
            };
            let Some(name) = v
                .get("name")
                .and_then(|n| n.as_str())
                .filter(|n| valid_name(n))
            else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "A valid name is required",
                );
            };
            if v.get("folder").is_none() {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "Only folders can be created here",
                );
            }
            let behavior = v
                .get("@microsoft.graph.conflictBehavior")
                .and_then(|b| b.as_str())
                .unwrap_or("fail");
            if let Some(existing) = d.child(&parent.id, name).cloned() {
                if behavior == "fail" {
                    return err(
                        StatusCode::CONFLICT,
                        "nameAlreadyExists",
                        "The specified item name already exists.",
                    );
                }
                return ok_json(StatusCode::OK, g.item_json(drive, &existing));
            }
            let id = g.id("FLD");
            let item = Item {
                id: id.clone(),
                name: name.to_string(),
                parent: Some(parent.id.clone()),
                folder: true,
                content: vec![],
                version: 1,
            };
            if let Some(dm) = g.drive_mut(drive) {
                dm.items.insert(id, item.clone());
            }
            ok_json(StatusCode::CREATED, g.item_json(drive, &item))
        }
        (Method::PUT, ["content"]) => {
            let Target::Path(path) = target else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "upload by path only in this emulator",
                );
            };
            if body.len() > g.cfg.simple_upload_limit {
                return err(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "requestTooLarge",
                    "Simple upload is limited to 4 MiB; use an upload session",
                );
            }
            let Some(name) = path.last().cloned() else {
                return err(StatusCode::BAD_REQUEST, "invalidRequest", "no file name");
            };
            if g.fail_uploads.as_deref().is_some_and(|f| name.contains(f)) {
                return err(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "generalException",
                    "An unspecified error occurred (injected).",
                );
            }
            let behavior = q
                .get("@microsoft.graph.conflictBehavior")
                .map(String::as_str)
                .unwrap_or("replace")
                .to_string();
            let parent = match ensure_parents(g, drive, &path[..path.len() - 1]) {
                Ok(p) => p,
                Err(r) => return *r,
            };
            store_file(g, drive, &parent, &name, &behavior, body.to_vec())
        }
        (Method::POST, ["createUploadSession"]) => {
            let Target::Path(path) = target else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "upload by path only in this emulator",
                );
            };
            let Some(name) = path.last().cloned().filter(|n| valid_name(n)) else {
                return err(StatusCode::BAD_REQUEST, "invalidRequest", "no file name");
            };
            let v: Value = serde_json::from_slice(body).unwrap_or(json!({}));
            let behavior = v
                .pointer("/item/@microsoft.graph.conflictBehavior")
                .and_then(|b| b.as_str())
                .unwrap_or("fail")
                .to_string();
            let parent = match ensure_parents(g, drive, &path[..path.len() - 1]) {
                Ok(p) => p,
                Err(r) => return *r,
            };
            let sid = g.id("SES");
            let tempauth = g.id("ta");
            g.sessions.insert(
                sid.clone(),
                Session {
                    drive: drive.to_string(),
                    parent,
                    name,
                    conflict: behavior,
                    total: None,
                    data: vec![],
                    tempauth: tempauth.clone(),
                },
            );
            let exp = (g.cfg.clock.now() + chrono::Duration::hours(1))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            ok_json(
                StatusCode::OK,
                json!({
                    "uploadUrl": format!("{}/upload/{sid}?tempauth={tempauth}", g.base),
                    "expirationDateTime": exp,
                    "nextExpectedRanges": ["0-"],
                }),
            )
        }
        (Method::GET, ["content"]) => match found {
            Some(i) if !i.folder => {
                let key = g.id("dl");
                g.downloads
                    .insert(key.clone(), (drive.to_string(), i.id.clone()));
                (
                    StatusCode::FOUND,
                    [("location", format!("{}/download/{key}", g.base))],
                    "",
                )
                    .into_response()
            }
            Some(_) => err(
                StatusCode::BAD_REQUEST,
                "invalidRequest",
                "A folder has no content",
            ),
            None => err(
                StatusCode::NOT_FOUND,
                "itemNotFound",
                "The resource could not be found.",
            ),
        },
        (Method::PATCH, []) => {
            let Some(item) = found else {
                return err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "The resource could not be found.",
                );
            };
            let Some(name) = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v.get("name")?.as_str().map(str::to_string))
                .filter(|n| valid_name(n))
            else {
                return err(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    "A valid name is required",
                );
            };
            let behavior = q
                .get("@microsoft.graph.conflictBehavior")
                .map(String::as_str)
                .unwrap_or("fail");
            let parent = item.parent.clone().unwrap_or_default();
            let clash = d.child(&parent, &name).filter(|c| c.id != item.id).cloned();
            let Some(dm) = g.drive_mut(drive) else {
                return err(StatusCode::NOT_FOUND, "itemNotFound", "drive not found");
            };
            if let Some(c) = clash {
                if behavior != "replace" || c.folder {
                    return err(
                        StatusCode::CONFLICT,
                        "nameAlreadyExists",
                        "The specified item name already exists.",
                    );
                }
                dm.remove_tree(&c.id);
            }
            let updated = match dm.items.get_mut(&item.id) {
                Some(i) => {
                    i.name = name;
                    i.version += 1;
                    i.clone()
                }
                None => return err(StatusCode::NOT_FOUND, "itemNotFound", "gone"),
            };
            ok_json(StatusCode::OK, g.item_json(drive, &updated))
        }
        (Method::DELETE, []) => {
            let Some(item) = found else {
                return err(
                    StatusCode::NOT_FOUND,
                    "itemNotFound",
                    "The resource could not be found.",
                );
            };
            if item.parent.is_none() {
                return err(
                    StatusCode::FORBIDDEN,
                    "accessDenied",
                    "The root cannot be deleted.",
                );
            }
            if let Some(dm) = g.drive_mut(drive) {
                dm.remove_tree(&item.id);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        _ => err(
            StatusCode::BAD_REQUEST,
            "invalidRequest",
            "Unsupported operation in the emulator",
        ),
    }
}

pub(super) fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && !n.starts_with("~$")
        && !n
            .chars()
            .any(|c| matches!(c, '"' | '*' | ':' | '<' | '>' | '?' | '/' | '\\' | '|'))
}

/// Folders on the way to a path (created when missing, as uploads by path do); the parent id.
pub(super) fn ensure_parents(
    g: &mut Emu,
    drive: &str,
    path: &[String],
) -> std::result::Result<String, Box<Response>> {
    let mut cur = g.drive(drive).map(|d| d.root.clone()).unwrap_or_default();
    for s in path {
        let existing = g.drive(drive).and_then(|d| d.child(&cur, s).cloned());
        cur = match existing {
            Some(i) if i.folder => i.id,
            Some(_) => {
                return Err(Box::new(err(
                    StatusCode::CONFLICT,
                    "nameAlreadyExists",
                    "A file is in the way of the folder path",
                )));
            }
            None => {
                let id = g.id("FLD");
                if let Some(dm) = g.drive_mut(drive) {
                    dm.items.insert(
                        id.clone(),
                        Item {
                            id: id.clone(),
                            name: s.clone(),
                            parent: Some(cur.clone()),
                            folder: true,
                            content: vec![],
                            version: 1,
                        },
                    );
                }
                id
            }
        };
    }
    Ok(cur)
}

pub(super) fn store_file(
    g: &mut Emu,
    drive: &str,
    parent: &str,
    name: &str,
    behavior: &str,
    content: Vec<u8>,
) -> Response {
    let existing = g.drive(drive).and_then(|d| d.child(parent, name).cloned());
    let (status, item) = match existing {
        Some(e) if e.folder => {
            return err(
                StatusCode::CONFLICT,
                "nameAlreadyExists",
                "A folder has that name",
            );
        }
        Some(_) if behavior == "fail" => {
            return err(
                StatusCode::CONFLICT,
                "nameAlreadyExists",
                "The specified item name already exists.",
            );
        }
        Some(mut e) => {
            e.content = content;
            e.version += 1;
            (StatusCode::OK, e)
        }
        None => {
            let id = g.id("FIL");
            (
                StatusCode::CREATED,
                Item {
                    id,
                    name: name.to_string(),
                    parent: Some(parent.to_string()),
                    folder: false,
                    content,
                    version: 1,
                },
            )
        }
    };
    if let Some(dm) = g.drive_mut(drive) {
        dm.items.insert(item.id.clone(), item.clone());
    }
    ok_json(status, g.item_json(drive, &item))
}
