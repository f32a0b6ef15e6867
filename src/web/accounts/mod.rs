//! Joining, signing in and out, the charter, the language, and a person's own settings and data. One file per
//! job: the limits on login attempts (`limits`), signing in and out (`login`), joining (`register`), the
//! charter (`charter`), the language switch (`language`), the settings page and profile (`settings`), the
//! avatar (`avatar`), one's address and its confirmation (`email`), passwords forgotten, reset and changed
//! (`passwords`), and one's data, exported or deleted (`data`).

mod avatar;
mod charter;
mod data;
mod email;
mod language;
mod limits;
mod login;
mod passwords;
mod register;
mod settings;

use serde::Deserialize;

pub use avatar::upload_avatar;
pub(crate) use avatar::{read_picture, store_picture};
pub use charter::{CharterForm, accept_charter, charter};
pub use data::{DeleteForm, delete, export};
pub(crate) use email::link_error;
pub use email::{
    ask as ask_email, change_email, confirm as confirm_email, confirm_form as confirm_email_form,
    dismiss as dismiss_email, save_notification_choices, unsubscribe, unsubscribe_form,
};
pub use language::{LanguageChoice, language_form, language_link};
pub use limits::{LoginLimits, LoginVerdict, SLOWED_LOGIN};
pub use login::{CsrfOnly, LoginForm, login, login_form, logout};
pub use passwords::{
    change as change_password, forgot, forgot_form, reset as reset_password,
    reset_form as reset_password_form,
};
pub use register::{InviteQuery, RegisterForm, register, register_form};
pub use settings::{SettingsForm, save_settings, settings};

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}
