//! Form fields with their label, hint and error, and the translation of rule violations into the visitor's
//! language.

use maud::{Markup, html};

use crate::error::Error;
use crate::web::i18n::Lang;

/// Errors of a submitted form, by field id, already translated.
#[derive(Debug, Default)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    pub fn new() -> FormErrors {
        FormErrors(Vec::new())
    }

    pub fn add(&mut self, field: &str, message: String) {
        self.0.push((field.to_string(), message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// An error from the rules, placed next to its field when it names one this form shows, else at the top
    /// of the form (`field` "form").
    pub fn from_error(lang: Lang, error: &Error, fields: &[&str]) -> FormErrors {
        let mut errors = FormErrors::new();
        let (field, message) = translate(lang, error);
        let field = if fields.contains(&field.as_str()) {
            field
        } else {
            "form".to_string()
        };
        errors.add(&field, message);
        errors
    }

    /// The summary at the top of a form: what went wrong, each linked to its field.
    pub fn summary(&self, lang: Lang) -> Markup {
        html! {
            @if !self.is_empty() {
                div class="error-summary" role="alert" tabindex="-1" {
                    h2 { (lang.t("form-has-errors")) }
                    ul {
                        @for (field, message) in &self.0 {
                            @if field == "form" {
                                li { (message) }
                            } @else {
                                li { a href=(format!("#{field}")) { (message) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The field a rule violation is about and what to tell the person, in their language. Messages of the
/// rules (in English, for logs and the API) are used only when no translation fits.
pub fn translate(lang: Lang, error: &Error) -> (String, String) {
    match error {
        Error::Invalid { field, message } => {
            let text = lang
                .try_t(&format!("invalid-{}", field.replace('_', "-")))
                .unwrap_or_else(|| {
                    tracing::debug!(field, message, "no translation for this rule");
                    lang.t("invalid-generic")
                });
            (field.to_string(), text)
        }
        Error::Conflict(_) => ("username".into(), lang.t("invalid-username-taken")),
        Error::Unauthorized(_) => ("form".into(), lang.t("error-login")),
        Error::Forbidden(_) => ("form".into(), lang.t("error-forbidden-action")),
        Error::NotFound(_) => ("form".into(), lang.t("error-not-found-item")),
        Error::BadGateway(_) => ("form".into(), lang.t("error-bad-gateway")),
        _ => ("form".into(), lang.t("error-internal")),
    }
}

/// How an input looks and behaves.
pub struct Input<'a> {
    pub id: &'a str,
    pub label: String,
    pub value: &'a str,
    pub kind: &'a str,
    pub required: bool,
    pub autocomplete: Option<&'a str>,
    pub hint: Option<String>,
    pub maxlength: Option<usize>,
    /// The name sent, when it differs from the id (several forms on a page share field names).
    pub name: Option<&'a str>,
}

impl<'a> Input<'a> {
    pub fn text(id: &'a str, label: String, value: &'a str) -> Input<'a> {
        Input {
            id,
            label,
            value,
            kind: "text",
            required: false,
            autocomplete: None,
            hint: None,
            maxlength: None,
            name: None,
        }
    }

    /// Sends the field under `name` (its id stays unique on the page).
    pub fn named(mut self, name: &'a str) -> Self {
        self.name = Some(name);
        self
    }

    pub fn kind(mut self, kind: &'a str) -> Self {
        self.kind = kind;
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn autocomplete(mut self, value: &'a str) -> Self {
        self.autocomplete = Some(value);
        self
    }

    pub fn hint(mut self, hint: String) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn maxlength(mut self, n: usize) -> Self {
        self.maxlength = Some(n);
        self
    }
}

fn described_by(id: &str, hint: bool, error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{id}-hint"));
    }
    if error {
        ids.push(format!("{id}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

fn label_hint_error(
    lang: Lang,
    id: &str,
    label: &str,
    hint: Option<&str>,
    error: Option<&str>,
    required: bool,
) -> Markup {
    html! {
        label for=(id) {
            (label)
            @if required { " " span class="required" { (lang.t("form-required")) } }
        }
        @if let Some(hint) = hint { p class="hint" id=(format!("{id}-hint")) { (hint) } }
        @if let Some(error) = error {
            p class="field-error" id=(format!("{id}-error")) {
                strong { (lang.t("form-error-prefix")) } " " (error)
            }
        }
    }
}

/// A labelled input with its hint and error.
pub fn input(lang: Lang, field: Input<'_>, errors: &FormErrors) -> Markup {
    let error = errors.of(field.id);
    html! {
        div class=(if error.is_some() { "field has-error" } else { "field" }) {
            (label_hint_error(lang, field.id, &field.label, field.hint.as_deref(), error, field.required))
            input id=(field.id) name=(field.name.unwrap_or(field.id)) type=(field.kind)
                value=[(field.kind != "password").then_some(field.value)]
                required[field.required]
                autocomplete=[field.autocomplete]
                maxlength=[field.maxlength]
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[described_by(field.id, field.hint.is_some(), error.is_some())];
        }
    }
}

/// A labelled text area.
pub fn textarea(lang: Lang, field: Input<'_>, rows: u32, errors: &FormErrors) -> Markup {
    let error = errors.of(field.id);
    html! {
        div class=(if error.is_some() { "field has-error" } else { "field" }) {
            (label_hint_error(lang, field.id, &field.label, field.hint.as_deref(), error, field.required))
            textarea id=(field.id) name=(field.id) rows=(rows)
                required[field.required]
                maxlength=[field.maxlength]
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[described_by(field.id, field.hint.is_some(), error.is_some())]
                { (field.value) }
        }
    }
}

/// A labelled choice among options `(value, text)`.
pub fn select(
    lang: Lang,
    id: &str,
    label: &str,
    options: &[(&str, String)],
    selected: &str,
    errors: &FormErrors,
) -> Markup {
    let error = errors.of(id);
    html! {
        div class=(if error.is_some() { "field has-error" } else { "field" }) {
            (label_hint_error(lang, id, label, None, error, false))
            select id=(id) name=(id)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[described_by(id, false, error.is_some())] {
                @for (value, text) in options {
                    option value=(value) selected[*value == selected] { (text) }
                }
            }
        }
    }
}

/// A checkbox with its label after it.
pub fn checkbox(
    lang: Lang,
    id: &str,
    label: &str,
    value: &str,
    checked: bool,
    errors: &FormErrors,
) -> Markup {
    let error = errors.of(id);
    html! {
        div class=(if error.is_some() { "field checkbox has-error" } else { "field checkbox" }) {
            @if let Some(error) = error {
                p class="field-error" id=(format!("{id}-error")) {
                    strong { (lang.t("form-error-prefix")) } " " (error)
                }
            }
            input type="checkbox" id=(id) name=(id) value=(value) checked[checked]
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[described_by(id, false, error.is_some())];
            " "
            label for=(id) { (label) }
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}
