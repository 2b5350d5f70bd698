//! The rules for answers, written once for every channel: reading a posted page into
//! [`Answers`], validating it against the survey, and deciding what `show_if` hides.
