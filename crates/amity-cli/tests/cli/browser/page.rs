//! One browser tab, as a test uses it: go to an address and wait for its load event, type and
//! press keys and click like a user, read elements (attributes, text, bounding box, computed
//! style), save a full-page screenshot, and gather what the console reported as an error.
//!
//! A missing element is `None`, for the test to say which part of the page contract is
//! missing; a failure of the browser itself (no answer, a script that throws) panics with the
//! DevTools error.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

use super::cdp::{Connection, Event};

/// How long a page may take to load.
pub const NAVIGATION: Duration = Duration::from_secs(30);

/// An element's box, in CSS pixels of the viewport.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// A tab, its DevTools connection, and the errors its pages reported.
pub struct Page {
    connection: Connection,
    /// Console errors, uncaught exceptions and error log entries, one line each.
    problems: Vec<String>,
    /// Errors not held against the page: a missing `/favicon.ico`, which the browser asks for
    /// by itself.
    pub ignored: Vec<String>,
}

impl Page {
    /// Take over a blank tab: turn on the page, runtime and log events.
    pub fn new(mut connection: Connection) -> Page {
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            connection
                .call(domain, json!({}))
                .unwrap_or_else(|error| panic!("{error}"));
        }
        Page {
            connection,
            problems: Vec::new(),
            ignored: Vec::new(),
        }
    }

    /// Go to `url` and wait for its load event.
    pub fn goto(&mut self, url: &str) {
        self.forget_loads();
        let answer = self.call("Page.navigate", json!({ "url": url }));
        if let Some(error) = answer.get("errorText").and_then(Value::as_str) {
            panic!("the browser could not open {url}: {error}");
        }
        self.wait_for_load(url);
    }

    /// The address shown, and the HTTP status of the document, for messages.
    pub fn describe(&mut self) -> String {
        let status = self.eval(
            "performance.getEntriesByType('navigation')[0]?.responseStatus ?? 'unknown status'",
        );
        format!("{} (HTTP {status})", self.url())
    }

    /// The address shown.
    pub fn url(&mut self) -> String {
        self.eval("location.href")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The HTTP status of the document (0 where the browser does not say).
    pub fn http_status(&mut self) -> u64 {
        self.eval("performance.getEntriesByType('navigation')[0]?.responseStatus ?? 0")
            .as_u64()
            .unwrap_or(0)
    }

    /// The whole document, at most `limit` characters of it, for messages.
    pub fn html(&mut self, limit: usize) -> String {
        let html = self.eval("document.documentElement.outerHTML");
        let html = html.as_str().unwrap_or_default();
        match html.char_indices().nth(limit) {
            Some((cut, _)) => format!("{}…", &html[..cut]),
            None => html.to_owned(),
        }
    }

    /// Evaluate a JavaScript expression in the page; its value as JSON.
    pub fn eval(&mut self, expression: &str) -> Value {
        let answer = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(details) = answer.get("exceptionDetails") {
            panic!("a script the test ran threw: {details}\nthe script: {expression}");
        }
        answer["result"]
            .get("value")
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// `f(element)` on the first element `selector` matches, as JSON; `None` without one.
    fn on(&mut self, selector: &str, f: &str) -> Option<Value> {
        let selector = Value::from(selector).to_string();
        let value = self.eval(&format!(
            "(() => {{ const e = document.querySelector({selector}); \
             return e === null ? {{ missing: true }} : {{ value: ({f})(e) }}; }})()"
        ));
        match value.get("missing") {
            Some(_) => None,
            None => Some(value.get("value").cloned().unwrap_or(Value::Null)),
        }
    }

    /// How many elements `selector` matches.
    pub fn count(&mut self, selector: &str) -> usize {
        let selector = Value::from(selector).to_string();
        let count = self.eval(&format!("document.querySelectorAll({selector}).length"));
        usize::try_from(count.as_u64().unwrap_or(0)).unwrap_or(usize::MAX)
    }

    /// `f(element)` for every element `selector` matches, as JSON.
    pub fn each(&mut self, selector: &str, f: &str) -> Vec<Value> {
        let selector = Value::from(selector).to_string();
        match self.eval(&format!(
            "Array.from(document.querySelectorAll({selector}), {f})"
        )) {
            Value::Array(values) => values,
            _ => Vec::new(),
        }
    }

    /// An attribute of the first element `selector` matches; `None` when there is no such
    /// element or it lacks the attribute.
    pub fn attribute(&mut self, selector: &str, name: &str) -> Option<String> {
        let name = Value::from(name).to_string();
        self.on(selector, &format!("e => e.getAttribute({name})"))
            .and_then(|value| value.as_str().map(str::to_owned))
    }

    /// The text of the first element `selector` matches.
    pub fn text(&mut self, selector: &str) -> Option<String> {
        self.on(selector, "e => e.textContent")
            .and_then(|value| value.as_str().map(str::to_owned))
    }

    /// The rendered bounding box of the first element `selector` matches.
    pub fn bounding_box(&mut self, selector: &str) -> Option<Rect> {
        let value = self.on(
            selector,
            "e => { const r = e.getBoundingClientRect(); \
             return [r.x, r.y, r.width, r.height]; }",
        )?;
        let number = |index: usize| value[index].as_f64().unwrap_or(f64::NAN);
        Some(Rect {
            x: number(0),
            y: number(1),
            width: number(2),
            height: number(3),
        })
    }

    /// A computed style property (`stroke-dasharray`) of the first element `selector`
    /// matches.
    pub fn computed_style(&mut self, selector: &str, property: &str) -> Option<String> {
        let property = Value::from(property).to_string();
        self.on(
            selector,
            &format!("e => getComputedStyle(e).getPropertyValue({property})"),
        )
        .and_then(|value| value.as_str().map(str::to_owned))
    }

    /// Put the keyboard focus in the field `selector` matches and type `text` there, key by
    /// key, over what it held. False when there is no such element.
    pub fn fill(&mut self, selector: &str, text: &str) -> bool {
        let value = Value::from(text).to_string();
        // A date picker takes keys in the browser's locale order, not ISO dates: its value is
        // set as the picker would set it.
        let kind = self.on(
            selector,
            &format!(
                "e => {{ e.focus(); if (e.type === 'date') {{ e.value = {value}; \
                 e.dispatchEvent(new Event('input', {{ bubbles: true }})); return 'date'; }} \
                 if (e.select) e.select(); return e.type; }}"
            ),
        );
        match kind {
            None => false,
            Some(kind) if kind == "date" => true,
            Some(_) => {
                for character in text.chars() {
                    let key = character.to_string();
                    self.key("keyDown", json!({ "key": key, "text": key }));
                    self.key("keyUp", json!({ "key": key }));
                }
                true
            }
        }
    }

    /// Press Enter in the focused field and wait for the page it submits to.
    pub fn press_enter_and_wait(&mut self) {
        self.forget_loads();
        let enter = json!({
            "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
            "nativeVirtualKeyCode": 13,
        });
        let mut down = enter.clone();
        down["text"] = Value::from("\r");
        self.key("keyDown", down);
        self.key("keyUp", enter);
        self.wait_for_load("the page that Enter submitted to");
    }

    /// Click the middle of the element `selector` matches, as a mouse would, and wait for the
    /// page it leads to. False when there is no such element. The element is scrolled into
    /// view at once (a page's smooth scrolling would move it under the pointer).
    pub fn click_and_wait(&mut self, selector: &str) -> bool {
        let Some(middle) = self.on(
            selector,
            "e => { e.scrollIntoView({ block: 'center', behavior: 'instant' }); const r = e.getBoundingClientRect(); \
             return [r.x + r.width / 2, r.y + r.height / 2]; }",
        ) else {
            return false;
        };
        let (x, y) = (middle[0].clone(), middle[1].clone());
        self.forget_loads();
        self.call(
            "Input.dispatchMouseEvent",
            json!({ "type": "mouseMoved", "x": x, "y": y }),
        );
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
        self.wait_for_load(&format!("the page that a click on {selector} leads to"));
        true
    }

    /// Save a PNG of the whole page, beyond the window, at `path`.
    pub fn screenshot(&mut self, path: &Path) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        let width = size["width"].as_f64().unwrap_or(1280.0).ceil();
        let height = size["height"].as_f64().unwrap_or(900.0).ceil();
        let shot = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
            }),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .unwrap_or_else(|error| panic!("the screenshot is not base64: {error}"));
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .unwrap_or_else(|error| panic!("cannot create {}: {error}", folder.display()));
        }
        std::fs::write(path, png)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    }

    /// Every console error, uncaught exception and error log entry so far (each once), less a
    /// missing favicon.
    pub fn problems(&mut self) -> Vec<String> {
        // A round trip: whatever the page reported before it has been read.
        self.eval("0");
        let kinds = [
            "Runtime.consoleAPICalled",
            "Runtime.exceptionThrown",
            "Log.entryAdded",
        ];
        for event in self
            .connection
            .take(|event| kinds.contains(&event.method.as_str()))
        {
            match problem(&event) {
                Some((text, url)) if url.ends_with("/favicon.ico") => self.ignored.push(text),
                Some((text, _)) => self.problems.push(text),
                None => {}
            }
        }
        self.problems.clone()
    }

    fn key(&mut self, kind: &str, mut params: Value) {
        params["type"] = Value::from(kind);
        self.call("Input.dispatchKeyEvent", params);
    }

    fn forget_loads(&mut self) {
        self.connection
            .forget(|event| event.method == "Page.loadEventFired");
    }

    fn wait_for_load(&mut self, what: &str) {
        self.connection
            .wait_for(NAVIGATION, &format!("the load of {what}"), |event| {
                event.method == "Page.loadEventFired"
            })
            .unwrap_or_else(|error| panic!("{error}"));
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.connection
            .call(method, params)
            .unwrap_or_else(|error| panic!("{error}"))
    }
}

/// An error the page reported, in one line, and the address it concerns; `None` for what is
/// not an error (console.log, info and warning entries).
fn problem(event: &Event) -> Option<(String, String)> {
    let params = &event.params;
    match event.method.as_str() {
        "Runtime.consoleAPICalled" if params["type"] == "error" => {
            let words: Vec<String> = params["args"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|arg| match arg.get("value") {
                    Some(Value::String(text)) => text.clone(),
                    Some(value) => value.to_string(),
                    None => arg["description"].as_str().unwrap_or("?").to_owned(),
                })
                .collect();
            let url = params["stackTrace"]["callFrames"][0]["url"]
                .as_str()
                .unwrap_or_default();
            Some((
                format!("console.error: {} ({url})", words.join(" ")),
                url.to_owned(),
            ))
        }
        "Runtime.exceptionThrown" => {
            let details = &params["exceptionDetails"];
            let what = details["exception"]["description"]
                .as_str()
                .or_else(|| details["text"].as_str())
                .unwrap_or("?");
            let url = details["url"].as_str().unwrap_or_default();
            Some((
                format!("uncaught exception: {what} ({url})"),
                url.to_owned(),
            ))
        }
        "Log.entryAdded" if params["entry"]["level"] == "error" => {
            let entry = &params["entry"];
            let url = entry["url"].as_str().unwrap_or_default();
            let text = entry["text"].as_str().unwrap_or("?");
            Some((format!("log error: {text} ({url})"), url.to_owned()))
        }
        _ => None,
    }
}
