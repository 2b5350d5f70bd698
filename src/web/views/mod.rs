//! Page rendering (maud), kept apart from the handlers: handlers decide *what* to show,
//! views decide *how*. No JavaScript needed anywhere (a kiosk adds its idle warning); every page works with the
//! stylesheet alone.

pub mod components;
pub mod layout;
pub mod methodology;
pub mod pages;
pub mod privacy;
pub mod question;
pub mod report;
pub mod results;
pub mod staff;
