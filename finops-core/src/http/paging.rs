//! Pagination written once: page-by-page calls become a `Stream` of items.

use crate::Result;
use futures::stream::{self, BoxStream, StreamExt};
use std::future::Future;

/// One page: its items and the token of the next page (`None` on the last page).
#[derive(Debug, Clone)]
pub struct Page<T, P> {
    /// Items of this page.
    pub items: Vec<T>,
    /// Token of the next page.
    pub next: Option<P>,
}

enum State<P> {
    Start,
    HasMore(P),
    Done,
}

/// Stream every item of a paged API. `fetch(None)` gets the first page, `fetch(Some(token))`
/// the following ones; the stream ends after a page with no next token, or after the first
/// error (which is yielded). Callers never see page tokens.
pub fn paginate<T, P, F, Fut>(fetch: F) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    P: Send + 'static,
    F: Fn(Option<P>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T, P>>> + Send + 'static,
{
    stream::unfold((State::Start, fetch), |(state, fetch)| async move {
        let token = match state {
            State::Start => None,
            State::HasMore(p) => Some(p),
            State::Done => return None,
        };
        match fetch(token).await {
            Ok(page) => {
                let next = match page.next {
                    Some(p) => State::HasMore(p),
                    None => State::Done,
                };
                let items: Vec<Result<T>> = page.items.into_iter().map(Ok).collect();
                Some((stream::iter(items), (next, fetch)))
            }
            Err(e) => Some((stream::iter(vec![Err(e)]), (State::Done, fetch))),
        }
    })
    .flatten()
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn walks_all_pages() {
        let s = paginate(|tok: Option<u32>| async move {
            let p = tok.unwrap_or(0);
            Ok(Page {
                items: vec![p * 10, p * 10 + 1],
                next: (p < 2).then_some(p + 1),
            })
        });
        let v: Vec<u32> = s.map(|r| r.unwrap()).collect().await;
        assert_eq!(v, [0, 1, 10, 11, 20, 21]);
    }

    #[tokio::test]
    async fn stops_after_error() {
        let s = paginate(|tok: Option<u32>| async move {
            match tok {
                None => Ok(Page {
                    items: vec![1],
                    next: Some(1),
                }),
                Some(_) => Err(crate::Error::InvalidArgument("boom".into())),
            }
        });
        let v: Vec<_> = s.collect().await;
        assert_eq!(v.len(), 2);
        assert!(v[1].is_err());
    }
}
