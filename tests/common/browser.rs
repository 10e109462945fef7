//! Headless Chromium over WebDriver (chromedriver), for `tests/browser.rs`:
//! the session with the flags this machine needs, and the few actions a
//! click-through takes, each waiting (boundedly) for what a page does in its
//! own time. Included by path, only by the browser test.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// How to run the browser tests when no chromedriver answers.
const HOW_TO_RUN: &str = "scripts/test.sh (it starts chromedriver), or bash scripts/chromium.sh run -- cargo test -p alipay-ams --all-features --test browser";

/// Long enough for any page or notification on a loaded 2-core machine;
/// only there so that a broken page fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(30);

/// A browser session.
#[derive(Clone)]
pub struct Browser {
    client: Client,
    profile: PathBuf,
}

impl Browser {
    /// A new headless Chromium with an empty profile, through the
    /// chromedriver at `CHROMEDRIVER_URL` (default `http://127.0.0.1:9515`).
    /// Panics, naming the script that provides one, when none answers.
    pub async fn start() -> Browser {
        let url = std::env::var("CHROMEDRIVER_URL")
            .unwrap_or_else(|_| "http://127.0.0.1:9515".to_owned());
        let profile = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "chromium-profile-{}-{}",
            std::process::id(),
            alipay_ams::signing::time::epoch_millis(std::time::SystemTime::now())
        ));
        std::fs::create_dir_all(&profile).unwrap();
        // --headless and the rest: what Chromium needs on this machine (no
        // display, root, no network beyond loopback; without the
        // background-networking flags it keeps trying to reach Google).
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        args.push("--lang=en-US".to_owned());
        let mut options = json!({ "args": args });
        if let Ok(binary) = std::env::var("CHROMIUM_BIN") {
            options["binary"] = json!(binary);
        }
        let capabilities = json!({ "goog:chromeOptions": options });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal");
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await
            .unwrap_or_else(|e| {
                let _ = std::fs::remove_dir_all(&profile);
                panic!(
                    "no browser session from chromedriver at {url} ({e}). The browser tests need \
                     Debian's chromium and chromium-driver and a running chromedriver: run them \
                     with `{HOW_TO_RUN}` (scripts/chromium.sh installs both when missing and \
                     starts chromedriver), or set CHROMEDRIVER_URL to yours."
                )
            });
        Browser { client, profile }
    }

    /// Ends the session (Chromium exits) and deletes its profile.
    pub async fn close(self) {
        if let Err(e) = self.client.close().await {
            eprintln!("closing the browser: {e}");
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
    }

    /// Makes the window as tall as the page (at most `max` pixels), for a
    /// screenshot of all of it. (The test may run script; the pages have none.)
    pub async fn fit_page(&self, width: u32, max: u32) {
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .unwrap()
            .as_u64()
            .and_then(|h| u32::try_from(h).ok())
            .unwrap_or(900);
        // The window is taller than the page it shows by the browser's own bar.
        self.resize(width, height.saturating_add(140).min(max))
            .await;
    }

    /// The element with this id, if the page has one now.
    pub async fn find(&self, id: &str) -> Option<fantoccini::elements::Element> {
        self.client.find(Locator::Id(id)).await.ok()
    }

    /// Clicks the element with this id (waiting for it to be there).
    pub async fn click(&self, id: &str) {
        let css = format!("#{id}");
        self.click_css(&css).await;
    }

    /// Clicks the element `css` selects (waiting for it to be there).
    pub async fn click_css(&self, css: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => match element.click().await {
                    Ok(()) => return,
                    Err(e) if Instant::now() > deadline => panic!("click {css}: {e}"),
                    Err(_) => {}
                },
                Err(e) if Instant::now() > deadline => {
                    panic!("no {css} on {}: {e}", self.url().await)
                }
                Err(_) => {}
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the element with this id (it must be there).
    pub async fn text(&self, id: &str) -> String {
        match self.find(id).await {
            Some(element) => element.text().await.unwrap(),
            None => panic!("no #{id} on {}", self.url().await),
        }
    }

    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Waits until the page's URL starts with `prefix`; returns it.
    pub async fn wait_for_url(&self, prefix: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let url = self.url().await;
            if url.starts_with(prefix) {
                return url;
            }
            assert!(
                Instant::now() < deadline,
                "the browser is at {url}, not {prefix}..."
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reloads the page until the element with this id says exactly `want`
    /// (what a notification changed shows only after it arrived).
    pub async fn wait_for_text(&self, id: &str, want: &str) {
        self.wait_until(id, want, |text| text == want).await;
    }

    /// The same, until the element's text contains `part`.
    pub async fn wait_for_text_containing(&self, id: &str, part: &str) {
        self.wait_until(id, part, |text| text.contains(part)).await;
    }

    async fn wait_until(&self, id: &str, what: &str, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        let mut last = String::new();
        loop {
            if let Some(element) = self.find(id).await {
                // The page may reload itself between find and text.
                if let Ok(text) = element.text().await {
                    if done(&text) {
                        return;
                    }
                    last = text;
                }
            }
            assert!(
                Instant::now() < deadline,
                "#{id} on {} never showed {what:?}; last: {last:?}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
            let _ = self.client.refresh().await;
        }
    }

    fn client(&self) -> &Client {
        &self.client
    }
}

/// Takes a screenshot of the window as PNG: into `docs/` when
/// `UPDATE_SCREENSHOTS=1` (the README shows them), else beside the test's
/// other temporary files.
pub async fn screenshot(browser: &Browser, name: &str) {
    let png = browser.client().screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is not a PNG");
    let dir = if std::env::var("UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
    };
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
}
